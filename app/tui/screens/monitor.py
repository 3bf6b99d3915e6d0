"""Monitor: every run with its status, regime, positions, P&L, orders, fills and tripped
limits; the selected run's logs and its decision log, live, with each agent's opinion and
the debate; pause, resume, stop, flatten, and the kill switch.

Runs live in their own processes, so the screen polls the store: a timer starts a thread
worker (one at a time) that reads what changed and posts a coalescing
:class:`~app.tui.messages.MonitorPolled`; only changed cells and new rows are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from app.tui.messages import MonitorPolled, RunControlled, RunStarted
from app.tui.runs import (
    Cursor,
    MonitorSnapshot,
    RunDetail,
    RunMonitor,
    RunSummary,
    broker_label,
)
from app.tui.screens.base import ParleyScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.typed_confirm_modal import TypedConfirmModal
from app.tui.services import Services
from app.tui.widgets.decision_view import DecisionView
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.run_logs import (
    DecisionLog,
    EventsTable,
    FillsTable,
    OrdersTable,
    PositionsTable,
    TradesLog,
)
from app.tui.widgets.runs_table import RunsTable
from app.tui.widgets.status_line import StatusLine

NO_RUNS = "No runs yet. Type /run in the chat (F2) to start the current spec on the replay feed."


class MonitorScreen(ParleyScreen):
    """Watches the store while shown; polling pauses when another screen is in front."""

    BINDINGS = [
        Binding("p", "control('pause')", "Pause"),
        Binding("r", "control('resume')", "Resume"),
        Binding("s", "control('stop')", "Stop"),
        Binding("f", "control('flatten')", "Flatten"),
        Binding("K", "kill", "Kill switch"),
        Binding("F", "flatten_stop", "Flatten+stop"),
    ]

    POLL_SECONDS: ClassVar[float] = 0.5
    """How often the store is read while the screen is shown."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.monitor: RunMonitor = services.runs.monitor()
        self.cursor = Cursor()
        self.runs: dict[str, RunSummary] = {}
        self._polling = False
        self._again = False
        self._timer: Timer | None = None
        self._header: tuple[object, ...] = ()
        self._rules: Mapping[str, str] = {}
        """The selected run's rule texts, for its decisions."""

    def compose(self) -> ComposeResult:
        yield StatusLine("Monitor", self.services.modes, id="status")
        yield RunsTable(id="runs")
        yield Static(Content(NO_RUNS), id="run-header")
        with Horizontal(id="monitor-body"):
            with Vertical(id="run-logs"):
                yield PositionsTable(id="positions")
                yield from self._tabs()
            with Vertical(id="decisions-side"):
                yield DecisionLog(limit=500, id="decision-log")
                with VerticalScroll(id="run-decision-scroll"):
                    yield DecisionView("No decision yet.", id="run-decision")
        yield ParleyFooter()

    def _tabs(self) -> ComposeResult:
        with TabbedContent(id="run-tabs"):
            with TabPane("Orders", id="tab-orders"):
                yield OrdersTable(id="orders")
            with TabPane("Fills", id="tab-fills"):
                yield FillsTable(limit=500, id="fills")
            with TabPane("Trades", id="tab-trades"):
                yield TradesLog(limit=500, id="run-trades")
            with TabPane("Events", id="tab-events"):
                yield EventsTable(limit=500, id="events")

    def on_mount(self) -> None:
        self.query_one("#runs").border_title = "Runs"
        self.query_one("#positions").border_title = "Open positions"
        self.query_one("#decision-log").border_title = "Decision log"
        self.query_one("#run-decision-scroll").border_title = "Decision"
        self.query_one(RunsTable).focus()
        self._timer = self.set_interval(self.POLL_SECONDS, self.poll)
        self.poll()

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self.poll()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    # -- polling --------------------------------------------------------------------------

    def poll(self) -> None:
        """Read the store now, unless a read is under way (then once more after it)."""
        if self._polling:
            self._again = True
            return
        self._polling = True
        self.poll_store(replace(self.cursor))

    @work(thread=True, exit_on_error=False, group="monitor-poll", description="Reading the runs")
    def poll_store(self, cursor: Cursor) -> None:
        self.post_message(MonitorPolled(self.monitor.poll(cursor)))

    @on(Worker.StateChanged)
    def _poll_ended(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "monitor-poll" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self._polling = False
        if event.state == WorkerState.ERROR and self._timer is not None:
            self._timer.pause()  # the error modal says why; closing it retries
        elif self._again:
            self._again = False
            self.poll()

    @on(MonitorPolled)
    def _polled(self, event: MonitorPolled) -> None:
        self.show_snapshot(event.snapshot)

    def show_snapshot(self, snap: MonitorSnapshot) -> None:
        runs = {r.id: r for r in snap.runs}
        if self.cursor.run_id is not None and self.cursor.run_id not in runs:
            return  # read before the selected run was created: a newer read follows
        self.runs = runs
        table = self.query_one(RunsTable)
        table.show(snap.runs)
        active = sum(r.active for r in snap.runs)
        self.query_one(
            StatusLine
        ).detail = f"{len(snap.runs)} run{'s' if len(snap.runs) != 1 else ''} · {active} active"
        if self.cursor.run_id is None:
            self._select(_preferred(snap.runs))
            return
        if table.selected_key != self.cursor.run_id:  # a new run moved the rows
            table.select(self.cursor.run_id)
        if snap.detail is not None and snap.detail.run_id == self.cursor.run_id:
            self._apply(snap.detail)
        self._show_header()

    def _apply(self, d: RunDetail) -> None:
        """Show the selected run's new rows; move the cursor past them."""
        c = self.cursor
        if d.positions is not None:
            positions = self.query_one(PositionsTable)
            positions.show(d.positions)
            positions.border_title = f"Open positions · {len(d.positions)}"
        if d.orders is not None:
            self.query_one(OrdersTable).show(d.orders)
        self.query_one(FillsTable).add([f for f in d.fills if f.id > c.fills])
        self.query_one(TradesLog).add([t for t in d.trades if t.id > c.trades])
        self.query_one(EventsTable).add([e for e in d.events if e.id > c.events])
        log = self.query_one(DecisionLog)
        self._rules = d.rules
        new = [x for x in d.decisions if x.id > c.decisions]
        log.add(new)
        c.version = d.version
        for name, rows in (
            ("fills", d.fills),
            ("trades", d.trades),
            ("events", d.events),
            ("decisions", d.decisions),
        ):
            if rows:
                setattr(c, name, max(getattr(c, name), max(r.id for r in rows)))
        if new:
            self._show_decision()

    def _select(self, run_id: str | None) -> None:
        """Show another run: clear its logs and read them at once."""
        if run_id == self.cursor.run_id:
            return
        self.cursor = Cursor(run_id)
        for table in (PositionsTable, OrdersTable, FillsTable, TradesLog, EventsTable, DecisionLog):
            self.query_one(table).reset()
        self.query_one(DecisionView).show(None, "No decision yet.")
        if run_id is not None:
            self.query_one(RunsTable).select(run_id)
            self.poll()
        self._show_header()

    def _show_header(self) -> None:
        """The selected run in a line or two (redrawn only when it changes)."""
        run = self.runs.get(self.cursor.run_id or "")
        content = Content(NO_RUNS) if run is None else _header(run)
        key = (content.plain, tuple(content.spans))
        if key != self._header:
            self._header = key
            self.query_one("#run-header", Static).update(content)

    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self) -> None:
        table = self.query_one(RunsTable)
        if self.cursor.run_id is not None and self.cursor.run_id not in table.shown:
            return  # a run just started and not read yet: the next read selects it
        self._select(table.selected_key)

    @on(DataTable.RowHighlighted, "#decision-log")
    def _decision_highlighted(self) -> None:
        self._show_decision()

    def _show_decision(self) -> None:
        self.query_one(DecisionView).show(
            self.query_one(DecisionLog).selected(), "No decision yet.", self._rules
        )

    # -- starting and controlling runs ----------------------------------------------------

    def start_run(self, spec_text: str, source: str, speed: str | None = None) -> None:
        self.query_one(StatusLine).detail = "starting a run…"
        self.launch(spec_text, source, speed)

    @work(thread=True, exit_on_error=False, group="run-control", description="Starting the run")
    def launch(self, spec_text: str, source: str, speed: str | None) -> None:
        run = self.services.runs.start(spec_text, source, speed)
        self.post_message(RunStarted(run.id, run.speed, run.broker, run.feed_label))

    @on(RunStarted)
    def _started(self, event: RunStarted) -> None:
        self.notify(
            f"Run {event.run_id} started: broker {broker_label(event.broker)}, feed "
            f"{event.feed_label or 'replay'} at {speed_words(event.speed)}. It keeps "
            "running if you close Parley.",
            title="Run",
        )
        self._select(event.run_id)
        self.poll()

    def action_control(self, command: str) -> None:
        run = self.runs.get(self.cursor.run_id or "")
        if run is None:
            self.notify("No run selected.", severity="warning")
            return
        refusal = _refusal(run, command)
        if refusal:
            self.notify(refusal, severity="warning")
            return
        if command in ("stop", "flatten"):
            which = f"run {run.id} ({run.name}; {run_where(run)})"
            question = (
                f"Stop {which} after its current bar? Its open positions stay open; "
                "resume (r) restarts it."
                if command == "stop"
                else f"Close every position of {which} at the next bar's open and "
                "pause its entries?"
            )

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.control(run.id, command)

            self.app.push_screen(
                ConfirmModal(command.title() + " run?", question, confirm=command.title()),
                confirmed,
            )
            return
        self.control(run.id, command)

    @work(thread=True, exit_on_error=False, group="run-control", description="Controlling the run")
    def control(self, run_id: str, command: str) -> None:
        done = self.services.runs.control(run_id, command)
        self.post_message(RunControlled(f"Run {run_id}: {done}."))

    def action_kill(self) -> None:
        active = [r for r in self.runs.values() if r.active]
        self.app.push_screen(
            TypedConfirmModal(
                "Kill switch",
                f"Stop every active run now ({len(active)}), cancelling their "
                "waiting entries? Open positions stay as they are (F, flatten and stop, closes "
                f"them first).{_listed(active)}\nType KILL to confirm.",
                "KILL",
                "Kill every run",
            ),
            _if_confirmed(self.kill),
        )

    def action_flatten_stop(self) -> None:
        active = [r for r in self.runs.values() if r.active]
        held = sum(len(r.positions) for r in active)
        self.app.push_screen(
            TypedConfirmModal(
                "Flatten and stop",
                f"Close every position of every active run ({held} in "
                f"{len(active)} run(s)) at its next bar's open, then stop each run once it is "
                f"flat?{_listed(active)}\nType FLATTEN to confirm.",
                "FLATTEN",
                "Flatten and stop",
            ),
            _if_confirmed(self.flatten_stop),
        )

    @work(thread=True, exit_on_error=False, group="run-control", description="Flatten and stop")
    def flatten_stop(self) -> None:
        self.post_message(RunControlled("Closing every position, then stopping each run…"))
        self.post_message(RunControlled(self.services.runs.flatten_and_stop().describe()))

    @work(thread=True, exit_on_error=False, group="run-control", description="Kill switch")
    def kill(self) -> None:
        ids = self.services.runs.kill_all()
        self.post_message(RunControlled(f"Kill switch: stopping {len(ids)} run(s)."))

    @on(RunControlled)
    def _controlled(self, event: RunControlled) -> None:
        self.notify(event.text, title="Monitor")
        self.poll()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Pause run", "Pause the selected run's entries", "control('pause')"),
            ("Resume run", "Resume entries, or restart a stopped run", "control('resume')"),
            ("Stop run", "Stop the selected run after its bar", "control('stop')"),
            (
                "Flatten run",
                "Close the selected run's positions and pause it",
                "control('flatten')",
            ),
            ("Kill switch", "Stop every run now (asks you to type KILL)", "kill"),
            (
                "Flatten and stop",
                ("Close every run's positions, then stop each run (asks you to type FLATTEN)"),
                "flatten_stop",
            ),
        ]


def _refusal(run: RunSummary, command: str) -> str:
    """Why a command makes no sense for the run as it stands ('' when it does)."""
    if command == "resume":
        if run.status == "running":
            return f"Run {run.id} is already running."
        if run.status == "finished":
            return f"Run {run.id} has finished: its data ended."
        return ""
    if not run.active:
        return f"Run {run.id} is {run.status}: there is nothing to {command}."
    return ""


def _header(run: RunSummary) -> Content:
    speed = speed_words(run.speed)
    data = Path(run.data).name or run.data
    parts: list[Content | tuple[str, str] | str] = [
        (f"{run.id} ", "bold"),
        (run.name, "bold $text-primary"),
        (
            f" · broker {run.broker_label} · feed {run.feed_label} ({data}, {speed}) · "
            f"{run.trades} closed trade{'s' if run.trades != 1 else ''}"
        ),
    ]
    if run.positions:
        parts.append(" · open: " + ", ".join(run.positions))
    if run.reason:
        parts += [" · ", (run.reason, "$text-warning")]
    return Content.assemble(*parts)


def _if_confirmed(act: Callable[[], object]) -> Callable[[bool | None], None]:
    """A confirm modal's callback: ``act`` when the user confirmed."""

    def answered(yes: bool | None) -> None:
        if yes:
            act()

    return answered


def _listed(runs: list[RunSummary], most: int = 6) -> str:
    """The runs, one a line: id, name, broker, feed and open positions."""
    lines = [
        f"\n  {r.id} {r.name} · broker {r.broker} · {r.feed_label}"
        + (f" · open: {', '.join(r.positions)}" if r.positions else "")
        for r in runs[:most]
    ]
    more = f"\n  and {len(runs) - most} more" if len(runs) > most else ""
    return "".join(lines) + more


def run_where(run: RunSummary) -> str:
    """Where a run trades and what drives it, in a few words."""
    return f"broker {run.broker}, feed {run.feed_label}"


def speed_words(speed: str) -> str:
    """A replay speed with its unit: "10 bars a second", "full speed"."""
    if speed in ("max", ""):
        return "full speed"
    return f"{speed} bar{'' if speed == '1' else 's'} a second"


def _preferred(runs: tuple[RunSummary, ...]) -> str | None:
    """The run to show first: the newest active one, else the newest."""
    for run in runs:
        if run.active:
            return run.id
    return runs[0].id if runs else None
