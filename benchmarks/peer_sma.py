"""One peer backtester as its own process: SMA 10/30 on a folder of CSV files.

    python benchmarks/peer_sma.py {vectorbt,backtesting,backtrader} FOLDER OUT.json

Each tool loads the CSV files the way its users do (``pandas.read_csv`` with parsed dates),
runs the same strategy as Parley's bench (long when SMA(10) crosses above SMA(30): ``fast[t-1]
<= slow[t-1] and fast[t] > slow[t]``, out when it crosses below, 10 shares, market orders
filled at the next bar's open, no costs, cash that never binds) and writes its closed trades
as ``{symbol: [[entry day, entry price, exit day, exit price], ...]}``. Imports only what the
tool needs, so the timed process is what a user of that tool would run.
``benchmarks/bench_backtest.py`` (in-process mode) uses the same runners.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

CASH = 1_000_000.0
Trades = dict[str, list[list[Any]]]


def _frames(folder: Path, columns: str) -> dict[str, Any]:
    import pandas as pd

    frames = {}
    for path in sorted(folder.glob("*.csv")):
        df = pd.read_csv(path, index_col="Date", parse_dates=True)
        frames[path.stem] = df if columns == "capital" else df.rename(columns=str.lower)
    return frames


def _day(t: Any) -> str:
    return f"{t:%Y-%m-%d}"


def run_vectorbt(folder: Path) -> Trades:
    import pandas as pd
    import vectorbt as vbt

    frames = _frames(folder, "capital")
    close = pd.DataFrame({s: f["Close"] for s, f in frames.items()})
    open_ = pd.DataFrame({s: f["Open"] for s, f in frames.items()})
    fast, slow = vbt.MA.run(close, 10).ma, vbt.MA.run(close, 30).ma
    fast.columns, slow.columns = close.columns, close.columns
    above = fast > slow
    up = above & (fast.shift(1) <= slow.shift(1))
    down = (fast < slow) & (fast.shift(1) >= slow.shift(1))
    pf = vbt.Portfolio.from_signals(
        close,
        entries=up.shift(1, fill_value=False),
        exits=down.shift(1, fill_value=False),
        price=open_,
        size=10.0,
        size_type="amount",
        init_cash=CASH,
        fees=0.0,
        freq="1D",
    )
    rec = pf.trades.records_readable
    rec = rec[rec["Status"] == "Closed"]
    out: Trades = {s: [] for s in frames}
    for row in rec.itertuples(index=False):
        out[row[1]].append([_day(row[3]), float(row[4]), _day(row[6]), float(row[7])])
    return out


def backtesting_runner() -> Callable[[Any], list[list[Any]]]:
    """backtesting.py's SMA cross, one frame (capitalised columns) -> its closed trades."""
    import pandas as pd
    from backtesting import Backtest, Strategy

    def sma(values: Any, n: int) -> Any:
        return pd.Series(values).rolling(n).mean().to_numpy()

    class SmaCross(Strategy):
        def init(self) -> None:
            self.fast = self.I(sma, self.data.Close, 10)
            self.slow = self.I(sma, self.data.Close, 30)

        def next(self) -> None:
            f, s = self.fast, self.slow
            if len(f) < 2:
                return
            if not self.position:
                if f[-2] <= s[-2] and f[-1] > s[-1]:
                    self.buy(size=10)
            elif f[-2] >= s[-2] and f[-1] < s[-1]:
                self.position.close()

    def run(df: Any) -> list[list[Any]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tr = Backtest(df, SmaCross, cash=CASH).run()["_trades"]
        return [
            [_day(a), float(b), _day(c), float(d)]
            for a, b, c, d in zip(tr.EntryTime, tr.EntryPrice, tr.ExitTime, tr.ExitPrice)
        ]

    return run


def backtrader_runner() -> Callable[[Any], list[list[Any]]]:
    """backtrader's SMA cross (no observers), one frame (lower-case columns) -> its closed
    trades."""
    import backtrader as bt

    class SmaCross(bt.Strategy):
        def __init__(self) -> None:
            self.fast = bt.ind.SMA(self.data.close, period=10)
            self.slow = bt.ind.SMA(self.data.close, period=30)
            self.closed: list[list[Any]] = []

        def next(self) -> None:
            f0, f1, s0, s1 = self.fast[0], self.fast[-1], self.slow[0], self.slow[-1]
            if not self.position:
                if f1 <= s1 and f0 > s0:
                    self.buy(size=10)
            elif f1 >= s1 and f0 < s0:
                self.close()

        def notify_trade(self, trade: Any) -> None:
            if trade.isclosed:
                self.closed.append(
                    [
                        _day(bt.num2date(trade.dtopen)),
                        trade.price,
                        _day(bt.num2date(trade.dtclose)),
                        trade.price + trade.pnl / 10.0,
                    ]
                )

    def run(df: Any) -> list[list[Any]]:
        cerebro = bt.Cerebro(stdstats=False)
        cerebro.adddata(bt.feeds.PandasData(dataname=df))
        cerebro.addstrategy(SmaCross)
        cerebro.broker.setcash(CASH)
        (strategy,) = cerebro.run()
        closed: list[list[Any]] = strategy.closed
        return closed

    return run


def run_backtesting(folder: Path) -> Trades:
    run = backtesting_runner()
    return {symbol: run(df) for symbol, df in _frames(folder, "capital").items()}


def run_backtrader(folder: Path) -> Trades:
    run = backtrader_runner()
    return {symbol: run(df) for symbol, df in _frames(folder, "lower").items()}


TOOLS = {"vectorbt": run_vectorbt, "backtesting": run_backtesting, "backtrader": run_backtrader}


def main(argv: list[str]) -> int:
    tool, folder, out = argv
    trades = TOOLS[tool](Path(folder))
    Path(out).write_text(json.dumps(trades), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
