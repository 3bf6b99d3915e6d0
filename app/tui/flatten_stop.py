"""Flatten and stop: the kill switch's companion that leaves no position open.

The kill switch stops every run at once and leaves positions as they are. This closes every
position of every active run at its next bar's open (the runner's ``flatten``), waits for
the store to show each run flat, and only then stops it (the runner's ``kill``: waiting
entries are cancelled). A run still holding positions when the wait ends is left paused with
its close orders waiting for the next bar, and said so: stopping it then would leave the
positions open. A run whose process is gone cannot trade, so it is stopped and its open
positions are named.

Pure Python (no Textual): it blocks while it waits, so the monitor calls it from a thread
worker. ``clock`` and ``sleep`` are parameters so a test can drive the wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.store import Store

ACTIVE = ("created", "running", "paused")
WAIT_S = 30.0
"""How long to wait for the close orders to fill (a replay at 10 bars a second needs a
fraction of a second; a live feed's next bar may be minutes away)."""
POLL_S = 0.1


@dataclass
class FlattenReport:
    """What flatten and stop did, run by run."""

    stopped: list[str] = field(default_factory=list)
    """Runs that were flat (or became flat) and were stopped."""
    waiting: list[str] = field(default_factory=list)
    """Runs still holding positions when the wait ended: paused, their closes pending."""
    gone: dict[str, int] = field(default_factory=dict)
    """Runs whose process was gone (or that ended by themselves): stopped, with this many
    positions left open."""

    def describe(self) -> str:
        parts = [f"{len(self.stopped)} run(s) flat and stopped"]
        if self.waiting:
            parts.append(f"still closing, paused (stop them once flat): {', '.join(self.waiting)}")
        for run_id, held in self.gone.items():
            if held:
                parts.append(
                    f"{run_id} had no process: stopped with {held} position(s) "
                    "open (resume it with r, then flatten with f)"
                )
            else:
                parts.append(f"{run_id} had no process: stopped, flat")
        return "Flatten and stop: " + "; ".join(parts) + "."


def flatten_and_stop(
    store: Store,
    *,
    wait: float = WAIT_S,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> FlattenReport:
    """Close every active run's positions, then stop each run once the store shows it flat."""
    from app.runner.launch import alive, request

    report = FlattenReport()
    runs = [r for r in store.list_runs() if r.status in ACTIVE]
    for row in runs:
        if alive(row.pid):
            request(store, row.id, "flatten")
        else:
            report.gone[row.id] = len(store.positions(row.id))
            request(store, row.id, "kill")
    pending = [r.id for r in runs if r.id not in report.gone]
    deadline = clock() + wait
    while pending:
        for run_id in list(pending):
            ended, held = _state(store, run_id)
            if ended or not held:
                pending.remove(run_id)
            if ended and held:
                report.gone[run_id] = held
            elif ended:
                report.stopped.append(run_id)
            elif not held:
                request(store, run_id, "kill")
                report.stopped.append(run_id)
        if not pending or clock() >= deadline:
            break
        sleep(POLL_S)
    report.waiting = pending
    return report


def _state(store: Store, run_id: str) -> tuple[bool, int]:
    """(the run is no longer active, its open positions)."""
    row = store.get_run(run_id)
    return row is None or row.status not in ACTIVE, len(store.positions(run_id))
