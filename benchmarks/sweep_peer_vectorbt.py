"""The vectorbt side of benchmarks/bench_sweep.py, run as its own process.

    python benchmarks/sweep_peer_vectorbt.py DATA_DIR FAST_LO FAST_HI FAST_STEP SLOW_LO SLOW_HI
        SLOW_STEP [--trades OUT.json --sample K]

Loads the same CSV folder, runs the fast x slow grid of SMA crossovers with vectorbt's
parameter lists (``vbt.MA.run``) in chunks of 25 variants along the parameter axis (a
chunk of 100 variants x 100 symbols took 10 GB), next-open fills (signals shifted one bar,
filled at the open), 10 shares, no costs, and prints the best Sharpe. vectorbt's result
cache is off and each chunk is freed before the next, so memory stays at one chunk's
(1,000 variants with the cache on grew to 10.4 GB peak RSS). With ``--trades OUT --sample
K`` it runs only every K-th variant and writes their closed trades, for the trade check.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import vectorbt as vbt

CHUNK = 25
vbt.settings.caching["enabled"] = False


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    opens, closes = {}, {}
    for path in sorted(folder.glob("*.csv")):
        df = pd.read_csv(path, index_col="Date", parse_dates=True)
        opens[path.stem], closes[path.stem] = df["Open"], df["Close"]
    return pd.DataFrame(opens), pd.DataFrame(closes)


def _next_bar(signal: pd.DataFrame) -> pd.DataFrame:
    """A signal on a bar's close acts on the next bar (filled at its open)."""
    return signal.shift(1, fill_value=False).astype(bool)


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    f0, f1, fs, s0, s1, ss = (int(x) for x in argv[1:7])
    out = argv[argv.index("--trades") + 1] if "--trades" in argv else None
    every = int(argv[argv.index("--sample") + 1]) if "--sample" in argv else 0
    opens, closes = load(folder)
    combos = [(f, s) for f in range(f0, f1 + 1, fs) for s in range(s0, s1 + 1, ss)]
    if out and every:
        combos = combos[::every]
    best, sampled = -np.inf, {}
    for start in range(0, len(combos), CHUNK):
        part = combos[start : start + CHUNK]
        fast = vbt.MA.run(closes, [f for f, _ in part], short_name="fast")
        slow = vbt.MA.run(closes, [s for _, s in part], short_name="slow")
        entries = fast.ma_crossed_above(slow)
        exits = fast.ma_crossed_below(slow)
        price = pd.DataFrame(
            np.tile(opens.to_numpy(), len(part)), index=opens.index, columns=entries.columns
        )
        pf = vbt.Portfolio.from_signals(
            pd.DataFrame(
                np.tile(closes.to_numpy(), len(part)), index=closes.index, columns=entries.columns
            ),
            _next_bar(entries),
            _next_bar(exits),
            price=price,
            size=10.0,
            init_cash=1e9,
            fees=0.0,
            freq="1D",
            group_by=np.repeat(np.arange(len(part)), closes.shape[1]),
            cash_sharing=True,
        )
        sharpe = np.asarray(pf.sharpe_ratio())
        best = max(best, float(np.nanmax(sharpe)))
        if out and every:
            rec = pf.trades.records_readable
            for k, (f, s) in enumerate(part):
                cols = set(entries.columns[k * closes.shape[1] : (k + 1) * closes.shape[1]])
                rows = rec[rec["Column"].isin(cols) & (rec["Status"] == "Closed")]
                sampled[f"{f},{s}"] = sorted(
                    [
                        str(c[-1]),
                        str(pd.Timestamp(a).date()),
                        float(p),
                        str(pd.Timestamp(b).date()),
                        float(q),
                    ]
                    for c, a, p, b, q in zip(
                        rows["Column"],
                        rows["Entry Timestamp"],
                        rows["Avg Entry Price"],
                        rows["Exit Timestamp"],
                        rows["Avg Exit Price"],
                    )
                )
            del rec
        del fast, slow, entries, exits, price, pf
        gc.collect()
    print(f"vectorbt: {len(combos)} variants, best Sharpe {best:.3f}")
    if out:
        Path(out).write_text(json.dumps(sampled))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
