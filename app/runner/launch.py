"""Starting, resuming and controlling runs: what ``parley run``/``resume``/``stop``/
``flatten``/``kill`` call, with no printing of their own.

A run's settings live in its database row (never its keys: those come from the
environment each time a run starts). A detached run is ``python -m app resume RUN`` in
a new session (it survives the terminal and the TUI), logging to
``$PARLEY_HOME/runs/<id>.log``. Control crosses processes through the ``commands``
table, which the runner polls each bar, plus SIGTERM so a run waiting for its next bar
stops at once.
"""

from __future__ import annotations

import logging

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.broker.base import Broker
from app.errors import ParleyError
from app.logs import run_log, run_log_path
from app.feeds.base import Feed
from app.runner.runner import Emit, Runner, RunnerOptions
from app.spec.models import StrategySpec
from app.store import Store
from app.store.tables import RunRow

if TYPE_CHECKING:
    import pandas as pd

    from app.config import Settings

ACTIVE = ("created", "running", "paused")


LIVE_FEEDS = ("alpaca",)
"""Feeds of bars as the market makes them; every other feed replays history."""

log = logging.getLogger(__name__)


def create_run(
    store: Store,
    spec: StrategySpec,
    spec_text: str,
    *,
    path: str | None = None,
    broker: str = "sim",
    feed: str = "replay",
    data: str | None = None,
    speed: str = "max",
    cash: float = 10_000.0,
    frames: Mapping[str, pd.DataFrame] | None = None,
    **options: Any,
) -> RunRow:
    """A new run row; nothing runs yet.

    ``frames`` are the bars a replay will play (loaded here when not given): the run row
    names the dates they cover (``replay of 2004-08-19..2018-03-27``).

    Raises:
        ParleyError: a live broker on a feed that replays history, or (replay) data
            missing for a symbol of the spec.
    """
    refuse_live_history(broker, feed)
    refuse_open_questions(spec, path)
    if spec.regime is not None:
        from app.regime.gate import refuse_missing_benchmark

        refuse_missing_benchmark(spec.regime.benchmark, list(spec.universe))
    if feed in LIVE_FEEDS:
        options.setdefault("feed_label", f"{feed} (live bars)")
    else:
        from app.feeds.replay import replay_label
        from app.market.data_source import load_for_spec

        options.setdefault(
            "feed_label", replay_label(frames if frames is not None else load_for_spec(spec, data))
        )
    return store.create_run(
        spec.name,
        spec_text,
        path=path,
        broker=broker,
        feed=feed,
        data=data,
        speed=speed,
        cash=cash,
        options=options,
    )


def refuse_live_history(broker: str, feed: str) -> None:
    """Live orders are driven by live bars only: never by a replay of history.

    Raises:
        ParleyError: ``broker`` is the live account and ``feed`` is not a live feed.
    """
    if broker == "alpaca-live" and feed not in LIVE_FEEDS:
        raise ParleyError(
            f"--live needs a live feed, and --feed {feed} replays history: "
            "live orders are never driven by old bars",
            "use --live --feed alpaca, or drop --live to paper-trade the replay",
        )
    if broker.startswith("alpaca") and feed not in LIVE_FEEDS:
        raise ParleyError(
            f"--broker alpaca fills at today's market, and --feed {feed} replays "
            "history: its orders would be priced by old bars",
            "use --feed alpaca with the Alpaca broker, or leave out --broker to "
            "paper-trade the replay on the simulated broker",
        )


def refuse_open_questions(spec: StrategySpec, path: str | None = None) -> None:
    """A spec that still asks questions is a draft: it is backtested, never run.

    Raises:
        ParleyError: the spec holds ``question`` lines.
    """
    if spec.questions:
        where = f"{path}: " if path else ""
        asked = "; ".join(f'"{q}"' for q in spec.questions)
        raise ParleyError(
            f"{where}the spec still has {len(spec.questions)} open question(s): {asked}",
            "answer them in the spec (and delete the question lines), then start the run",
        )


def run_spec(
    store: Store, run_id: str, emit: Emit, stop: threading.Event, settings: Settings
) -> str:
    """Run (or resume) a run in this process until it ends or ``stop`` is set.

    The process holds the run's lock (:mod:`app.runner.lock`) throughout: a second
    process asking for the same run is told which process has it.

    Raises:
        RunLocked: another process holds the run.
        ParleyError: the feed or the broker cannot start (the run is marked failed, with
            the message as its reason).
    """
    from app.runner.lock import RunLock, lock_path

    with RunLock(lock_path(run_id, settings), run_id):
        return _run_locked(store, run_id, emit, stop, settings)


def _run_locked(
    store: Store, run_id: str, emit: Emit, stop: threading.Event, settings: Settings
) -> str:
    from app.dsl.parser import parse_spec

    row = _row(store, run_id)
    spec = parse_spec(row.spec_text, row.name)
    opts = dict(row.options or {})
    broker = None
    if row.feed in LIVE_FEEDS or row.broker != "sim":
        from app.market.alpaca_assets import use_alpaca_assets

        use_alpaca_assets(settings, spec.universe)  # Alpaca's asset classes win
    try:
        feed, broker = build_feed(spec, row, settings), build_broker(row, settings)
        if broker is not None:
            _reach(broker, row.id)
    except ParleyError as err:
        store.update_run(row.id, status="failed", reason=err.message, pid=None)
        _close(broker)
        raise
    try:
        runner = Runner(
            store,
            row.id,
            feed,
            broker,
            RunnerOptions(
                agents=opts.get("agents"),
                max_slippage_bps=float(opts.get("max_slippage_bps", 200)),
                freeze_gc=True,
            ),
            settings=settings,
        )  # this process is the run's
        with run_log(settings.home, row.id):  # `parley logs RUN` reads it
            log.info("run %s starts: %s on %s, broker %s", row.id, row.name, row.feed, row.broker)
            status = runner.run(spec, emit, stop)
            log.info("run %s ends: %s", row.id, status)
            return status
    finally:
        _close(broker)


def _reach(broker: Broker, run_id: str) -> None:
    """The broker answers before the run starts: a run on a broker it cannot reach would
    only log a fault on every bar."""
    from app.broker.base import BrokerError

    try:
        broker.account()
    except BrokerError as err:
        raise ParleyError(
            f"{err.message}: the broker did not answer, so the run did not start",
            "check the network, APCA_API_BASE_URL and the "
            f"Alpaca keys, then `parley resume {run_id}`",
        ) from None


def _close(broker: Any) -> None:
    close = getattr(broker, "close", None)
    if close is not None:
        close()


def build_feed(spec: StrategySpec, row: RunRow, settings: Settings) -> Feed:
    from app.feeds.replay import ReplayFeed, parse_speed

    opts = row.options or {}
    refuse_live_history(row.broker, row.feed)
    if row.feed == "alpaca":
        from app.feeds.alpaca import AlpacaFeed

        key, secret = settings.alpaca_key_id, settings.alpaca_secret_key
        if not (key and secret):  # Settings.alpaca_enabled
            raise ParleyError("--feed alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY")
        return AlpacaFeed(
            key.get_secret_value(),
            secret.get_secret_value(),
            spec.universe,
            spec.timeframe,
            url=settings.alpaca_data_url,
            poll_seconds=opts.get("poll_seconds"),
        )
    from app.market.data_source import load_for_spec

    frames = load_for_spec(spec, row.data)
    return ReplayFeed(frames, parse_speed(row.speed), float(opts.get("bar_delay", 0.0)))


def build_broker(row: RunRow, settings: Settings) -> Broker | None:
    """None for the simulated paper broker (the run's own book is the venue)."""
    if row.broker == "sim":
        return None
    from app.broker.alpaca import AlpacaBroker

    return AlpacaBroker.from_settings(settings, live=row.broker == "alpaca-live")


# --------------------------------------------------------------------- processes
def log_path(run_id: str, settings: Settings) -> Path:
    """The run's one log: what a detached process prints and the app's log lines while it
    runs (``parley logs RUN`` prints it)."""
    return run_log_path(Path(settings.home), run_id)


def spawn_detached(run_id: str, settings: Settings) -> int:
    """Start ``parley resume RUN`` as a background process in its own session."""
    log = log_path(run_id, settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "resume", run_id],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=os.getcwd(),
        )
    return proc.pid


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def effective_status(row: RunRow) -> str:
    """The status, with runs whose process died marked so (they can be resumed)."""
    if row.status in ("running", "paused") and not alive(row.pid):
        return f"{row.status} (process gone)"
    return row.status


def request(store: Store, run_id: str | None, command: str) -> list[str]:
    """Post a control command and wake the run(s); returns the runs addressed.

    A run whose process is gone cannot pause or flatten: that is refused with what to do
    (``stop`` and ``kill`` mark it stopped at once). A command that no process will take
    is never left pending, so a later ``resume`` does not obey it.

    Raises:
        ParleyError: no such run; or pause/flatten of a run that is not running.
    """
    rows = [_row(store, run_id)] if run_id else [r for r in store.list_runs() if r.status in ACTIVE]
    if run_id and rows[0].status == "finished":  # its record stays as it ended
        why = f" ({rows[0].reason})" if rows[0].reason else ""
        raise ParleyError(
            f"run {rows[0].id} has finished{why}: there is nothing to "
            f"{command.replace('_', ' and ')}",
            "`parley status` lists the runs still going",
        )
    if run_id and command not in ("stop", "kill") and not alive(rows[0].pid):
        raise ParleyError(
            _no_process(rows[0], command),
            f"`parley resume {rows[0].id}` restarts it"
            if rows[0].status not in ("finished",)
            else None,
        )
    if rows:
        store.post_command(rows[0].id if run_id else None, command)
    for row in rows:
        if command not in STOPPING:
            continue
        if alive(row.pid):
            if command in ("stop", "kill"):  # a flattening stop waits for its fills
                _signal(row.pid, signal.SIGTERM)
            continue
        _stop_dead(store, row, command, own_command=run_id is not None)
    return [r.id for r in rows]


def _stop_dead(store: Store, row: RunRow, command: str, own_command: bool) -> None:
    """Mark a run with no process stopped. Its positions cannot be flattened without one:
    a flattening stop then stays pending for this run, and resuming it flattens first."""
    reason = STOP_REASONS.get(command, "stopped by the user")
    held = store.positions(row.id) if command in FLATTENING else []
    if own_command:
        store.finish_commands(row.id)
    if held:
        store.post_command(row.id, "flatten_stop")
        reason = (
            f"stopped with {len(held)} position(s) still open: no process was running "
            f"it; `parley resume {row.id}` flattens them and stops"
        )
    store.update_run(row.id, status="stopped", pid=None, reason=reason)


STOPPING = ("stop", "kill", "flatten_stop", "kill_flatten")
FLATTENING = ("flatten_stop", "kill_flatten")
STOP_REASONS = {
    "kill": "kill switch",
    "kill_flatten": "kill switch (flattened)",
    "flatten_stop": "flattened and stopped by the user",
}


def _no_process(row: RunRow, command: str) -> str:
    if row.status == "finished":
        return f"run {row.id} has finished (its data ended): there is nothing to {command}"
    return (
        f"run {row.id} is {effective_status(row)}: no process is running it, so "
        f"nothing can {command} it now"
    )


def resume_detached(store: Store, run_id: str, settings: Settings) -> str:
    """What ``parley resume RUN --detach`` does, for front ends without a terminal.

    A paused run whose process lives is told to resume its entries; a stopped, killed or
    orphaned run is restarted in a new background process where it left off.

    Returns:
        ``"resumed"`` (entries resumed) or ``"restarted"`` (a new process).

    Raises:
        ParleyError: no such run, it has finished, or it is already running.
    """
    row = _row(store, run_id)
    if alive(row.pid):
        if row.status == "paused":
            store.post_command(row.id, "resume")
            return "resumed"
        raise ParleyError(f"run {row.id} is already running (process {row.pid})")
    check_resumable(row, settings)
    spawn_detached(row.id, settings)
    return "restarted"


def check_resumable(row: RunRow, settings: Settings) -> None:
    """Raises ParleyError when the run has finished or another process holds it."""
    from app.runner.lock import RunLocked, holder, lock_path

    if row.status == "finished":
        raise ParleyError(f"run {row.id} has finished: its data ended")
    held = holder(lock_path(row.id, settings))
    if held:
        raise RunLocked(
            f"run {row.id} is held by process {held}: one process runs a run at a time",
            f"`parley stop {row.id}` stops it; then resume it",
        )


def _signal(pid: int | None, sig: int) -> None:
    try:
        os.kill(pid or 0, sig)
    except OSError:
        pass


def _row(store: Store, run_id: str | None) -> RunRow:
    row = store.find_run(run_id or "")
    if row is None:
        raise ParleyError(f"no run {run_id!r}", "`parley status` lists the runs")
    return row
