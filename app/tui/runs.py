"""Runs for the monitor screen: start a detached replay run, control runs, and watch them.

The same core as ``parley run --detach``/``resume``/``stop``/``pause``/``flatten``/``kill``
(:mod:`app.runner.launch`), and the store's read side (:mod:`app.store.overview`). A run
lives in its own process: closing the TUI never stops it. The monitor sees it only through
the database, so :class:`RunMonitor` polls: each :meth:`RunMonitor.poll` reads every run's
row, re-reads the totals only of runs whose row changed, and the selected run's log rows
only after the cursor the screen holds. A snapshot therefore carries everything the
screen lacks, so a newer one may replace an older one not yet shown.

Pure Python (no Textual); calls block on the database, so the screen makes them from
thread workers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.runner.marks import Marks
from app.tui.decisions import regime_of, rule_texts, team_of, when

if TYPE_CHECKING:
    from app.config import Settings
    from app.execution.decision import DecisionRecord
    from app.store import Store
    from app.store.tables import OrderRow, PositionRow, RunRow
    from app.tui.flatten_stop import FlattenReport

ACTIVE = ("created", "running", "paused")
CONTROLS = ("pause", "resume", "stop", "flatten")
DETAIL_ROWS = 200
"""Newest rows of each log the monitor loads for the selected run."""
DEFAULT_SPEED = "10"
"""Replayed bars a second of a run started without a speed: slow enough to watch, pause or
flatten (the bundled GOOG's 2,148 days take about 3.5 minutes); ``/run max`` for full speed."""


@dataclass(frozen=True)
class RunSummary:
    """One run as the runs table shows it."""

    id: str
    name: str
    status: str
    """The row's status, or ``gone`` when a running or paused run's process died."""
    reason: str
    broker: str
    feed: str
    feed_label: str
    """The feed as every view names it: ``replay of 2004-08-19..2013-03-01``."""
    data: str
    speed: str
    bars_done: int
    last_bar: str
    regime: str
    """The regime of the run's latest decision ('' before any, or without a filter)."""
    positions: tuple[str, ...]
    """Open positions, e.g. ``GOOG long 12``."""
    pnl: float
    pnl_marked: bool
    """True: equity P&L with open positions marked at the last bar's close; False:
    closed trades only (no price to mark them at)."""
    orders: int
    open_orders: int
    fills: int
    trades: int
    limits: tuple[str, ...]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def broker_label(self) -> str:
        """The broker with what it means: ``sim (paper, simulated)``."""
        return broker_label(self.broker)


BROKERS = {
    "sim": "sim (paper, simulated)",
    "alpaca-paper": "alpaca-paper (Alpaca paper account)",
    "alpaca-live": "alpaca-live (LIVE, real money)",
}


def broker_label(broker: str) -> str:
    return BROKERS.get(broker, broker)


@dataclass(frozen=True)
class StartedRun:
    """A run just created and spawned."""

    id: str
    speed: str
    """Bars a second, or ``max``."""
    broker: str
    feed_label: str


@dataclass
class Cursor:
    """What the monitor already shows of the selected run."""

    run_id: str | None = None
    version: Any = None
    """The run's row version when its orders and positions were last shown."""
    fills: int = 0
    trades: int = 0
    events: int = 0
    decisions: int = 0
    """Ids of the last rows shown of each log."""


@dataclass(frozen=True)
class RunDetail:
    """The selected run's rows the monitor lacks."""

    run_id: str
    version: Any
    positions: tuple[PositionRow, ...] | None
    """All open positions, or None when unchanged since ``Cursor.version``."""
    orders: tuple[OrderRow, ...] | None
    """The newest orders (their statuses change), or None when unchanged."""
    fills: tuple[Any, ...] = ()
    trades: tuple[Any, ...] = ()
    events: tuple[Any, ...] = ()
    decisions: tuple[DecisionRecord, ...] = ()
    rules: Mapping[str, str] = field(default_factory=dict)
    """Each rule's text as the run's spec writes it."""


@dataclass(frozen=True)
class MonitorSnapshot:
    """Every run, newest first, and the selected run's new rows."""

    runs: tuple[RunSummary, ...]
    detail: RunDetail | None = None


class RunService:
    """Starts and controls runs; ``data``/``speed``/``options`` set how the TUI's runs
    replay (the bundled data at :data:`DEFAULT_SPEED` unless told otherwise)."""

    def __init__(
        self,
        settings: Settings,
        *,
        data: Path | None = None,
        speed: str = DEFAULT_SPEED,
        cash: float = 10_000.0,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.data = data
        self.speed = speed
        self.cash = cash
        self.options = dict(options or {})
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> Store:
        """The database, opened on first use (never on the UI's startup path)."""
        with self._lock:
            if self._store is None:
                from app.store import Store

                self._store = Store(self.settings.db_url)
            return self._store

    def start(self, spec_text: str, source: str = "", speed: str | None = None) -> StartedRun:
        """Create a replay run on the simulated paper broker and start it detached.

        Returns:
            The new run: its id, speed (bars a second, or ``max``), broker and feed.

        Raises:
            ParleyError: the spec does not validate, the speed is not a number or max, or
                the data lacks a symbol of the spec (checked before anything starts).
        """
        from app.dsl import parse_spec
        from app.feeds.replay import parse_speed
        from app.market.data_source import load_for_spec
        from app.runner.launch import create_run, spawn_detached

        spec = parse_spec(spec_text)
        speed = speed or self.speed
        parse_speed(speed)
        frames = load_for_spec(spec, self.data)  # no symbol missing: refuse here, not later
        row = create_run(
            self.store,
            spec,
            spec_text,
            path=source or None,
            broker="sim",
            feed="replay",
            data=None if self.data is None else str(self.data),
            speed=speed,
            cash=self.cash,
            frames=frames,
            **self.options,
        )
        spawn_detached(row.id, self.settings)
        return StartedRun(row.id, speed, row.broker, row.feed_label)

    def control(self, run_id: str, command: str) -> str:
        """Pause, resume, stop or flatten one run; returns what was done, in words."""
        from app.runner.launch import request, resume_detached

        if command not in CONTROLS:
            raise ValueError(f"unknown command {command!r}")
        if command == "resume":
            done = resume_detached(self.store, run_id, self.settings)
            return "restarted where it left off" if done == "restarted" else "entries resumed"
        request(self.store, run_id, command)
        return {
            "pause": "asked to pause its entries",
            "stop": "asked to stop",
            "flatten": "asked to close every position and pause",
        }[command]

    def kill_all(self) -> list[str]:
        """The kill switch: every active run is sent the kill command (and a live process
        SIGTERM); runs whose process is gone are marked stopped at once."""
        from app.runner.launch import request

        return request(self.store, None, "kill")

    def flatten_and_stop(self) -> FlattenReport:
        """Close every active run's positions, then stop each once flat (see
        :mod:`app.tui.flatten_stop`)."""
        from app.tui.flatten_stop import flatten_and_stop

        return flatten_and_stop(self.store)

    def monitor(self) -> RunMonitor:
        return RunMonitor(self)


class RunMonitor:
    """Polls the store for one monitor screen (see the module docstring)."""

    def __init__(self, service: RunService) -> None:
        self.service = service
        self._summaries: dict[str, tuple[Any, RunSummary]] = {}
        self._marks = Marks()

    def poll(self, cursor: Cursor) -> MonitorSnapshot:
        from app.runner.launch import effective_status
        from app.store.overview import positions_of, run_totals

        store = self.service.store
        rows = store.list_runs()
        versions = {r.id: _version(r, effective_status(r)) for r in rows}
        changed = [r for r in rows if self._summaries.get(r.id, (None,))[0] != versions[r.id]]
        ids = [r.id for r in changed]
        totals, positions = run_totals(store, ids), positions_of(store, ids)
        for r in changed:
            summary = self._summary(r, versions[r.id][0], totals[r.id], positions.get(r.id, []))
            self._summaries[r.id] = (versions[r.id], summary)
        runs = tuple(self._summaries[r.id][1] for r in reversed(rows))
        selected = next((r for r in rows if r.id == cursor.run_id), None)
        detail = self._detail(selected, versions[selected.id], cursor) if selected else None
        return MonitorSnapshot(runs, detail)

    # ----------------------------------------------------------------- summaries
    def _summary(
        self, row: RunRow, status: str, totals: Any, positions: list[PositionRow]
    ) -> RunSummary:
        pnl = self._marks.equity(row).pnl
        return RunSummary(
            id=row.id,
            name=row.name,
            status="gone" if "process gone" in status else status,
            reason=row.reason
            or ("its process is gone: resume restarts it" if "process gone" in status else ""),
            broker=row.broker,
            feed=row.feed,
            feed_label=row.feed_label,
            data=row.data or "bundled",
            speed=row.speed,
            bars_done=row.bars_done,
            last_bar=when(row.last_bar_ns),
            regime=regime_in(totals.last_decision),
            positions=tuple(f"{p.symbol} {p.side} {p.qty:g}" for p in positions),
            pnl=totals.realized_pnl if pnl is None else pnl,
            pnl_marked=pnl is not None,
            orders=totals.orders,
            open_orders=totals.open_orders,
            fills=totals.fills,
            trades=totals.trades,
            limits=tuple(dict.fromkeys(totals.limits)),
        )

    # ----------------------------------------------------------------- the selected run
    def _detail(self, row: RunRow, version: Any, cursor: Cursor) -> RunDetail:
        from app.store.convert import decision_of
        from app.store.overview import recent_rows
        from app.store.tables import DecisionRow, EventRow, FillRow, TradeRow

        store, run_id = self.service.store, row.id
        spec = self._marks.spec(row)
        rules = rule_texts(spec) if spec is not None else {}
        same = cursor.run_id == run_id
        fresh = not same or cursor.version != version
        after = cursor if same else Cursor(run_id)
        return RunDetail(
            run_id,
            version,
            positions=tuple(store.positions(run_id)) if fresh else None,
            orders=tuple(_newest_orders(store, run_id)) if fresh else None,
            fills=tuple(recent_rows(store, FillRow, run_id, after.fills, DETAIL_ROWS)),
            trades=tuple(recent_rows(store, TradeRow, run_id, after.trades, DETAIL_ROWS)),
            events=tuple(recent_rows(store, EventRow, run_id, after.events, DETAIL_ROWS)),
            decisions=tuple(
                decision_of(d)
                for d in recent_rows(store, DecisionRow, run_id, after.decisions, DETAIL_ROWS)
            ),
            rules=rules,
        )


def _version(row: RunRow, status: str) -> tuple[Any, ...]:
    """Changes whenever the runner commits anything for the run (or its process dies);
    the status (item 0) is the effective one."""
    return (status, row.updated_at, row.bars_done, row.last_bar_ns, row.reason)


def _newest_orders(store: Store, run_id: str) -> list[OrderRow]:
    from app.store.overview import recent_rows
    from app.store.tables import OrderRow

    return recent_rows(store, OrderRow, run_id, 0, DETAIL_ROWS)


def regime_in(d: DecisionRecord | None) -> str:
    """The regime a decision names (the filter's, else the team's)."""
    if d is None:
        return ""
    regime, team = regime_of(d), team_of(d)
    return regime.regime if regime is not None else (team.regime or "") if team else ""
