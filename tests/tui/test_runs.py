"""The monitor's view of the store, without the UI: every run's summary, the selected run's
new rows after a cursor, and only changed runs read again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.config import Settings
from app.market.data_source import load_for_spec
from app.tui.decisions import team_of
from app.tui.runs import Cursor, RunDetail, RunMonitor, RunService
from app.tui.widgets.runs_table import run_cells

AGENTS, LIMITED, STOPPED = "r00000000a1", "r00000000b2", "r00000000c3"


@pytest.fixture
def monitor(seeded_home: Path, settings: Settings) -> RunMonitor:
    return RunService(settings).monitor()


def advance(cursor: Cursor, d: RunDetail) -> Cursor:
    """What the screen does after showing a detail."""
    new = replace(cursor, version=d.version)
    for name in ("fills", "trades", "events", "decisions"):
        rows = getattr(d, name)
        if rows:
            setattr(new, name, max(r.id for r in rows))
    return new


def test_every_run_newest_first_with_its_figures(monitor: RunMonitor) -> None:
    snap = monitor.poll(Cursor())
    assert [r.id for r in snap.runs] == [STOPPED, LIMITED, AGENTS]
    runs = {r.id: r for r in snap.runs}
    assert runs[AGENTS].status == "finished" and runs[AGENTS].bars_done == 400
    assert runs[AGENTS].regime  # the agent team's view of the regime at its last decision
    assert runs[LIMITED].limits == ("max_drawdown",)
    assert runs[STOPPED].status == "stopped" and runs[STOPPED].reason == "stopped by the user"
    assert len(runs[STOPPED].positions) == 1 and runs[STOPPED].pnl_marked
    assert snap.detail is None
    assert run_cells(runs[LIMITED])[-1].text == "max_drawdown"


def test_pnl_marks_open_positions_at_the_last_bar(monitor: RunMonitor, tiny_data: Path) -> None:
    store = monitor.service.store
    row = store.get_run(STOPPED)
    [pos] = store.positions(STOPPED)
    frames = load_for_spec(monitor._marks.spec(row), tiny_data)
    close = float(frames[pos.symbol]["close"].iloc[row.bars_done - 1])  # one symbol
    realized = sum(t.pnl for t in store.trades(STOPPED))
    unrealized = pos.qty * (close - pos.entry_price) * (1 if pos.side == "long" else -1)
    [summary] = [r for r in monitor.poll(Cursor()).runs if r.id == STOPPED]
    assert summary.pnl == pytest.approx(realized + unrealized, abs=1e-6)


def test_the_selected_run_sends_only_what_is_new(monitor: RunMonitor) -> None:
    first = monitor.poll(Cursor(AGENTS)).detail
    assert first is not None and first.run_id == AGENTS
    assert first.orders and first.positions is not None
    assert len(first.decisions) == 5 and team_of(first.decisions[0]) is not None
    assert [e.kind for e in first.events] == ["started", "finished"]
    cursor = advance(Cursor(AGENTS), first)
    again = monitor.poll(cursor).detail
    assert again is not None
    assert (again.orders, again.positions) == (None, None)
    assert again.fills == again.trades == again.events == again.decisions == ()


def test_only_changed_runs_are_read_again(
    monitor: RunMonitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.store import overview

    asked: list[list[str]] = []
    real = overview.run_totals
    monkeypatch.setattr(
        overview, "run_totals", lambda store, ids: asked.append(list(ids)) or real(store, ids)
    )
    monitor.poll(Cursor())
    monitor.poll(Cursor())
    store = monitor.service.store
    store.add_event(LIMITED, "command", "pause")
    store.update_run(LIMITED, reason="paused by the user")
    monitor.poll(Cursor())
    assert asked == [[AGENTS, LIMITED, STOPPED], [], [LIMITED]]


def test_a_run_whose_spec_no_longer_parses_is_still_shown(monitor: RunMonitor) -> None:
    store = monitor.service.store
    odd = store.create_run("From the future", 'strategy "x"\nwobble GOOG\n').id
    snap = monitor.poll(Cursor(odd))
    assert odd in [r.id for r in snap.runs]
    assert snap.detail is not None and snap.detail.run_id == odd
