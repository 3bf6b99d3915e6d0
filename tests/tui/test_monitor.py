"""The run journey: /run starts a detached replay run, the monitor shows it live, the user
stops it; the kill switch asks for a typed KILL; the seeded runs show their figures,
their logs and each decision's opinions and debate."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button

from app.store import Store
from app.tui.decisions import team_of
from app.tui.runs import RunSummary
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.monitor import MonitorScreen
from app.tui.screens.typed_confirm_modal import TypedConfirmModal
from app.tui.widgets.decision_view import DecisionView
from app.tui.widgets.run_logs import DecisionLog, OrdersTable, PositionsTable
from app.tui.widgets.runs_table import RunsTable
from tests.tui.conftest import AGENTS_SPEC, GOOG_ENGLISH, SIZE, MakeApp
from tests.tui.test_backtest import settle
from tests.tui.test_chat import say

AGENTS, LIMITED, STOPPED = "r00000000a1", "r00000000b2", "r00000000c3"


async def until(pilot: Pilot, done: Callable[[], bool], what: str, tries: int = 400) -> None:
    """Read the store until ``done()``: a detached run moves at its own pace, so this waits
    on a condition (the screen's own poll, a twentieth of a second apart), not a clock."""
    screen = pilot.app.screen
    for _ in range(tries):
        if isinstance(screen, MonitorScreen):
            screen.poll()
        await pilot.app.workers.wait_for_complete()
        await asyncio.sleep(0.05)  # let the poll's message be shown
        if done():
            await pilot.pause()
            return
    raise AssertionError(f"timed out waiting for {what}: {_runs_and_logs(pilot)}")


def _runs_and_logs(pilot: Pilot) -> str:
    """What the store and the runs' logs say, for a failure message."""
    from app.runner.launch import log_path

    services = pilot.app.services  # type: ignore[attr-defined]
    screen = pilot.app.screen
    shown = [(r.id, r.status, r.bars_done) for r in getattr(screen, "runs", {}).values()]
    lines = [
        (
            f"screen {type(screen).__name__}: {getattr(screen, 'message', '')} "
            f"shown={shown} cursor={getattr(screen, 'cursor', '')}"
        )
    ]
    for row in services.runs.store.list_runs():
        lines.append(f"{row.id} {row.status} bars={row.bars_done} pid={row.pid} {row.reason}")
        log = log_path(row.id, services.settings)
        if log.exists():
            lines += ["  | " + line for line in log.read_text().splitlines()[-8:]]
    return "\n".join(lines)


def run_of(pilot: Pilot, run_id: str) -> RunSummary | None:
    screen = pilot.app.screen
    return screen.runs.get(run_id) if isinstance(screen, MonitorScreen) else None


async def test_run_from_chat_is_watched_then_stopped(make_app: MakeApp, seeded_home: Path) -> None:
    app = make_app()  # the seeded runs are there too: the new one is shown
    async with app.run_test(size=(120, 36)) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/run 50")  # 50 bars a second (the test data adds a pause a bar)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        run_id = screen.cursor.run_id
        assert run_id is not None
        await until(
            pilot,
            lambda: (
                (r := run_of(pilot, run_id)) is not None
                and r.status == "running"
                and r.bars_done > 0
            ),
            "the run to be running",
        )
        assert screen.cursor.run_id == run_id
        assert screen.query_one(RunsTable).selected_key == run_id
        assert next(iter(screen.query_one(RunsTable).shown)) == run_id  # newest first
        header = str(screen.query_one("#run-header").render())
        assert run_id in header and "broker sim" in header and "feed replay" in header

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm")
        await until(pilot, lambda: run_of(pilot, run_id).status == "stopped", "the run to stop")
        row = app.services.runs.store.get_run(run_id)
        assert row.status == "stopped" and row.reason == "stopped by the user"
        assert (row.broker, row.feed, row.speed) == ("sim", "replay", "50")
        assert 0 < row.bars_done < 400


async def test_kill_switch_needs_kill_typed(make_app: MakeApp, seeded_home: Path) -> None:
    app = make_app()
    store: Store = app.services.runs.store
    store.update_run(AGENTS, status="running", pid=None)  # runs the switch must stop
    store.update_run(LIMITED, status="paused", reason="max drawdown", pid=None)
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("kill_switch")  # as the palette does, from the chat
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MonitorScreen)
        assert store.get_run(AGENTS).status == "running"

        await pilot.press("K")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        await pilot.press(*"KIL")
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")  # not yet
        assert app.screen is modal
        await pilot.press("L")
        assert not modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MonitorScreen)
        statuses = {r.id: (r.status, r.reason) for r in store.list_runs()}
        assert statuses[AGENTS] == ("stopped", "kill switch")
        assert statuses[LIMITED] == ("stopped", "kill switch")
        assert statuses[STOPPED] == ("stopped", "stopped by the user")
        [kill] = [c for c in store.take_commands("any") if c.command == "kill"]
        assert kill.run_id is None
        await until(pilot, lambda: run_of(pilot, AGENTS).status == "stopped", "the table")


async def test_seeded_runs_their_logs_decisions_and_pause(
    make_app: MakeApp, seeded_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        table = screen.query_one(RunsTable)
        assert list(table.shown) == [STOPPED, LIMITED, AGENTS]
        assert screen.cursor.run_id == STOPPED  # none active: the newest
        assert screen.query_one(PositionsTable).row_count == 1
        orders = screen.query_one(OrdersTable)
        store: Store = app.services.runs.store
        assert set(orders.shown) == {o.client_order_id for o in store.orders(STOPPED)}
        assert table.shown[LIMITED][-1].text == "max_drawdown"

        await pilot.press("down", "down")  # the agent team's run
        await settle(pilot)
        assert screen.cursor.run_id == AGENTS
        log = screen.query_one(DecisionLog)
        assert log.row_count == 5
        view = screen.query_one(DecisionView)
        assert view.decision is log.selected() and view.decision is not None
        log.focus()
        for _ in range(log.row_count):  # up to the newest decision the team weighed
            if view.decision is not None and team_of(view.decision) is not None:
                break
            await pilot.press("up")
            await pilot.pause()
        assert view.decision is not None and team_of(view.decision) is not None
        shown = str(view.render())
        assert view.decision is log.selected()
        assert "technical" in shown and "debate" in shown and "risk" in shown

        await pilot.press("p")  # a finished run: nothing to pause
        await settle(pilot)
        assert store.take_commands(AGENTS) == []
        # as if its process were alive (this one: pausing sends no signal)
        store.update_run(AGENTS, status="running", pid=os.getpid())
        await until(pilot, lambda: run_of(pilot, AGENTS).status == "running", "running")
        await pilot.press("p")
        await settle(pilot)
        assert [c.command for c in store.take_commands(AGENTS)] == ["pause"]


async def test_a_new_run_stays_selected_over_an_older_read(
    make_app: MakeApp, seeded_home: Path
) -> None:
    """A read made before the run existed, and the table moves it caused, arrive after
    the run started: the new run stays selected, and is highlighted once it is read."""
    from app.tui.messages import RunStarted
    from app.tui.runs import Cursor

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        stale = screen.monitor.poll(Cursor())
        new = app.services.runs.store.create_run("Just started", AGENTS_SPEC).id
        screen.cursor = Cursor()
        screen.query_one(RunsTable).move_cursor(row=2)
        screen.show_snapshot(stale)  # selects the newest seeded run, moves the table
        screen.post_message(RunStarted(new))  # handled before the table's highlight
        await settle(pilot)
        await until(pilot, lambda: new in screen.query_one(RunsTable).shown, "the new run")
        assert screen.cursor.run_id == new
        assert screen.query_one(RunsTable).selected_key == new
