"""Engine-wide properties: no look-ahead, the event clock equals a bar-by-bar replay,
screens, gates, the paper broker's idempotency."""

from __future__ import annotations

import pandas as pd
import pytest

from app.errors import ParleyError

from app.backtest import run_backtest
from app.backtest.prepare import prepare
from app.dsl import load_spec, parse_spec
from app.execution.gate import Candidate, Decision, GateChain
from app.backtest.gates import gates_for_spec
from app.execution.orders import Order
from app.execution.paper import PaperBroker
from app.execution.session import StrategySession
from app.market.data_source import load_for_spec
from app.market.synthetic import synthetic_market
from tests.conftest import DATA, STRATEGIES

BUSY = """strategy "busy"
universe {symbols}
timeframe 1d
{side} when sma(close, 5) crosses above sma(close, 20)
exit when sma(close, 5) crosses below sma(close, 20)
stop loss 3%
take profit 8%
trailing stop 2 atr(14)
max hold 15 bars
size 30% of equity
max positions 3
"""
BOTH = """strategy "both"
universe {symbols}
timeframe 1d
long when close crosses above sma(close, 10)
exit long when close crosses below sma(close, 10)
short when close crosses below sma(close, 30)
exit short when close crosses above sma(close, 30)
stop loss 1.5 atr(10)
size risk 1% of equity
max exposure 120%
"""
SCREEN = """strategy "rotation"
universe {symbols}
screen where close > sma(close, 50) rank by roc(close, 20) top 2
timeframe 1d
long when roc(close, 20) > 0
exit when roc(close, 20) < 0
size 45% of equity
max positions 2
"""


def _market(n: int = 6, bars: int = 700) -> dict[str, pd.DataFrame]:
    return synthetic_market(n, bars, seed=11)


def _spec(template: str, frames: dict, side: str = "long"):
    return parse_spec(template.format(symbols=", ".join(frames), side=side))


def _key(t) -> tuple:
    return (
        t.symbol,
        t.side,
        t.entry_time_ns,
        t.entry_price,
        t.exit_time_ns,
        t.exit_price,
        t.qty,
        t.exit_reason,
    )


def _replay(spec, frames: dict, cash: float = 10_000.0):
    """Drive the session bar by bar over every time, as a live runner would."""
    prepared = prepare(spec, frames)
    chain, _ = gates_for_spec(spec)
    broker = PaperBroker(cash)
    session = StrategySession(spec, broker, chain, {d.symbol: d for d in prepared.datas})
    where = [dict(zip(d.times.tolist(), range(len(d)))) for d in prepared.datas]
    for t in prepared.union.tolist():
        batch = [
            (d, w[t])
            for d, w, f in zip(prepared.datas, where, prepared.first_bar)
            if t in w and w[t] >= f
        ]
        session.step(batch)
    return broker.account


@pytest.mark.parametrize("template", [BUSY, BOTH, SCREEN], ids=["busy", "both", "screen"])
def test_event_clock_equals_bar_by_bar_replay(template: str) -> None:
    frames = _market()
    spec = _spec(template, frames)
    result = run_backtest(spec, frames, cash=10_000)
    account = _replay(spec, frames)
    assert len(result.trades) > 20
    assert [_key(t) for t in result.trades] == [_key(t) for t in account.trades]
    assert {p.symbol for p in result.open_positions} == set(account.positions)


@pytest.mark.parametrize("template", [BUSY, BOTH, SCREEN], ids=["busy", "both", "screen"])
def test_no_look_ahead_appending_future_bars_changes_no_past_trade(template: str) -> None:
    full = _market(bars=900)
    cut = {s: f.iloc[:500] for s, f in full.items()}
    spec = _spec(template, full)
    short_run = run_backtest(spec, cut, cash=10_000)
    long_run = run_backtest(spec, full, cash=10_000)
    last = max(f.index[-1] for f in cut.values()).value
    done_early = [_key(t) for t in long_run.trades if t.exit_time_ns <= last]
    assert done_early == [_key(t) for t in short_run.trades]
    # the equity curve up to the cut is the same bar for bar: nothing later leaks back
    assert long_run.equity.iloc[:500].equals(short_run.equity)
    assert len(short_run.trades) > 10


def test_goog_to_date_matches_full_run_up_to_then() -> None:
    spec = load_spec(STRATEGIES / "sma_crossover.strategy")
    frames = load_for_spec(spec, DATA / "GOOG.csv")
    part = run_backtest(spec, frames, end="2009-12-31")
    full = run_backtest(spec, frames)
    cut = pd.Timestamp("2009-12-31").value
    assert [_key(t) for t in part.trades] == [_key(t) for t in full.trades if t.exit_time_ns <= cut]


def test_screen_keeps_only_the_top_n() -> None:
    frames = _market(8, 400)
    spec = _spec(SCREEN, frames)
    result = run_backtest(spec, frames, cash=100_000)
    held = pd.Series(0, index=result.equity.index)
    for t in result.trades:
        held.loc[
            pd.Timestamp(t.entry_time_ns) : pd.Timestamp(t.exit_time_ns)
            - pd.Timedelta(microseconds=1)
        ] += 1
    assert held.max() <= 2 and len(result.trades) > 5


class _VetoOdd:
    name = "veto-odd"

    def decide(self, candidate: Candidate) -> Decision:
        assert len(candidate.history()) == candidate.bar + 1  # nothing after the decision
        assert candidate.history().close[-1] == candidate.price
        if candidate.bar % 2:
            return Decision(False, reasons=("odd bar",), record={"bar": candidate.bar})
        return Decision(True, size_factor=0.5, conviction=70)


def test_a_gate_can_veto_and_shrink_and_is_recorded() -> None:
    frames = _market(3, 500)
    spec = _spec(BUSY, frames)
    plain = run_backtest(spec, frames, cash=50_000)
    gated = run_backtest(spec, frames, cash=50_000, gate=_VetoOdd())
    vetoed = [d for d in gated.decisions if not d.approved]
    assert vetoed and all(d.reasons == ("odd bar",) for d in vetoed)
    assert all(d.conviction == 70 for d in gated.decisions if d.approved)
    assert all(t.entry_bar % 2 == 1 for t in gated.trades)  # fills the bar after an even one
    assert len(gated.trades) < len(plain.trades)
    assert gated.settings["gates"] == ["veto-odd"]


def test_gate_chain_multiplies_size_factors() -> None:
    class Half:
        name = "half"

        def decide(self, c: Candidate) -> Decision:
            return Decision(True, size_factor=0.5)

    chain = GateChain((Half(), Half()))
    assert chain.decide(None).size_factor == 0.25  # type: ignore[arg-type]


def test_a_spec_that_asks_for_the_team_gets_it_or_says_no() -> None:
    """Gates are wired explicitly: asking for the team never runs rules alone silently."""
    frames = _market(2, 300)
    spec = _spec(BUSY, frames)
    assert run_backtest(spec, frames, agents="offline").settings["gates"] == ["agents"]
    off = run_backtest(spec, frames, agents="none")
    assert off.settings["gates"] == ["rules"] and not off.notes
    with pytest.raises(ParleyError, match="unknown agents mode"):
        run_backtest(spec, frames, agents="psychic")


def test_registered_gate_gets_the_universe_and_closed_trades() -> None:
    class Listening:
        name = "listening"

        def __init__(self) -> None:
            self.symbols: list[str] = []
            self.closed: list[object] = []

        def use_universe(self, frames: dict) -> None:
            self.symbols = list(frames)

        def on_trade_closed(self, trade: object) -> None:
            self.closed.append(trade)

        def decide(self, c: Candidate) -> Decision:
            return Decision(True)

    frames = _market(3, 400)
    gate = Listening()
    result = run_backtest(_spec(BUSY, frames), frames, gate=gate)
    assert gate.symbols == list(frames)
    assert gate.closed == result.trades


def test_paper_broker_refuses_a_duplicate_client_order_id() -> None:
    broker = PaperBroker(10_000)
    first = broker.submit(Order("run-AAA-1-open_long", "AAA", 1, 10, "open_long", "x", 0, 1))
    again = broker.submit(Order("run-AAA-1-open_long", "AAA", 1, 99, "open_long", "x", 0, 1))
    assert again is first and len(broker.orders.by_id) == 1
    broker.fill_at_open("AAA", 1, 2, 100.0)
    assert broker.position("AAA").qty == 10
    assert broker.account.cash == pytest.approx(9_000)
