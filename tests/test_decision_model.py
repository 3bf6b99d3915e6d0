"""One decision model: a backtest's decisions, stored and read back, are the same typed
records (the regime filter's and the agent team's), and print as the same JSON."""

from __future__ import annotations

import logging
import threading

import pytest

from app.agents.models import TeamDecision
from app.backtest.engine import run_backtest
from app.dsl import parse_spec
from app.execution.decision import DecisionRecord
from app.feeds.replay import ReplayFeed
from app.market.data_source import load_for_spec
from app.regime.gate import RegimeRecord
from app.runner import Runner
from app.store import Store
from app.store.convert import decision_of, decision_row

SPEC = """strategy "SMA 10/30 with agents"
universe GOOG
timeframe 1d
long when sma(close, 10) crosses above sma(close, 30)
exit when sma(close, 10) crosses below sma(close, 30)
stop loss 5%
size 10 shares
regime allow trending_up, mean_reverting
agents all
min conviction 55
"""


@pytest.fixture(scope="module")
def backtest() -> list[DecisionRecord]:
    spec = parse_spec(SPEC)
    frames = {s: f.iloc[:500] for s, f in load_for_spec(spec).items()}
    return run_backtest(spec, frames).decisions


def test_the_gates_part_is_typed(backtest: list[DecisionRecord]) -> None:
    assert backtest and all(isinstance(d.gate(RegimeRecord), RegimeRecord) for d in backtest)
    teamed = [d for d in backtest if d.gate(TeamDecision) is not None]
    assert teamed, "the regime let no entry through to the team"
    assert all(set(d.gates) == {"regime", "agents"} for d in teamed)


def test_a_stored_decision_reads_back_as_it_was_written(backtest: list[DecisionRecord]) -> None:
    for d in backtest:
        back = decision_of(decision_row("run", d, ["o-1"]))
        assert back.orders == ("o-1",)
        assert (
            back.time_ns,
            back.symbol,
            back.side,
            back.rule,
            back.approved,
            back.qty,
            back.conviction,
            back.reasons,
        ) == (d.time_ns, d.symbol, d.side, d.rule, d.approved, d.qty, d.conviction, d.reasons)
        assert {k: type(v) for k, v in back.gates.items()} == {
            k: type(v) for k, v in d.gates.items()
        }
        assert back.record()["gates"] == d.record()["gates"]


def test_a_record_that_no_longer_validates_is_left_out(
    backtest: list[DecisionRecord], caplog: pytest.LogCaptureFixture
) -> None:
    row = decision_row("run", backtest[0], [])
    row.record = {**(row.record or {}), "gates": {"regime": {"confidence": "high"}}}
    log = logging.getLogger("app.store.convert")
    log.addHandler(caplog.handler)  # whatever an earlier test did to the app's loggers
    try:
        assert decision_of(row).gates == {}
    finally:
        log.removeHandler(caplog.handler)
    assert "decision record of gate 'regime' left out" in caplog.text


def test_a_run_log_and_a_backtest_print_the_same_json(tmp_path, backtest) -> None:
    spec = parse_spec(SPEC)
    frames = {s: f.iloc[:500] for s, f in load_for_spec(spec).items()}
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    run = store.create_run(spec.name, SPEC)
    Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
    logged = store.decisions(run.id)
    assert [d.id for d in logged] == sorted(d.id for d in logged) and logged[0].id > 0
    # the same document (a run's lessons name its run, so the team's words may differ)
    assert [sorted(d.to_json("t")) for d in logged] == [sorted(d.to_json("t")) for d in backtest]
    assert [(d.time_ns, d.approved, d.qty, sorted(d.to_json("t")["gates"])) for d in logged] == [
        (d.time_ns, d.approved, d.qty, sorted(d.to_json("t")["gates"])) for d in backtest
    ]
    assert [d.gate(RegimeRecord) for d in logged] == [d.gate(RegimeRecord) for d in backtest]
