"""The monitor's refresh cost with 20 runs, and whether the UI stays responsive while they
all update.

    python benchmarks/bench_tui_monitor.py [--runs 20] [--polls 60] [--keys 60] [--rate 10]

Setup: a real SQLite file holding ``--runs`` runs, each seeded by the real runner (the
agent team and regime filter on 600 days of the bundled GOOG: orders, fills, trades,
decisions with full records). Then, measured in this process:

1. **poll, idle** -- ``RunMonitor.poll`` (the worker's whole read) when nothing changed:
   one query of the runs plus the selected run's "anything new?" queries;
2. **poll, busy** -- the same when every run committed since the last poll (each run's
   totals, positions and the selected run's new rows are read again);
3. **apply** -- the UI side in the real app at 120x36: ``MonitorScreen.show_snapshot``
   with a busy snapshot (runs table diffed cell by cell, new log rows appended);
4. **key press under load** -- a separate writer process commits a bar for every run
   ``--rate`` times a second each (fills, a decision with its full record, the run row),
   as busy runners in other processes would, while the monitor polls at its normal
   cadence (0.5 s). A key press (down or up in the runs table) is sent as the terminal
   driver sends one, ``--keys`` times a tenth of a second apart; its latency is the time
   until the table's cursor has moved (its ``RowHighlighted`` reaches the screen). Each
   move selects another run, so its logs (200 decisions) are read again meanwhile.

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """strategy "Bench {k:02d}"
universe GOOG
timeframe 1d
long when sma(close, {fast}) crosses above sma(close, {slow})
exit when sma(close, {fast}) crosses below sma(close, {slow})
stop loss 5%
regime allow trending_up, mean_reverting
agents all
min conviction 50
"""
DAYS = 600

WRITER = r"""
import sys, time, json
sys.path.insert(0, {root!r})
from app.store import Store, BarCommit
from app.store.tables import DecisionRow, FillRow
store = Store({url!r})
runs = {runs!r}
template = {template!r}
interval = 1.0 / {rate}
bar = {{r: (store.get_run(r).last_bar_ns or 0) for r in runs}}
done = {{r: store.get_run(r).bars_done for r in runs}}
n = 0
print("ready", flush=True)
while True:
    start = time.monotonic()
    for r in runs:
        bar[r] += 86_400_000_000_000
        done[r] += 1
        n += 1
        store.commit_bar(r, BarCommit(
            bar[r], done[r], {{"book": {{"cash": 10000.0, "next_id": 1, "positions": [],
                                       "pending": []}}}},
            fills=[FillRow(run_id=r, fill_key=f"{{r}}/bench/{{n}}", client_order_id=f"{{r}}-b{{n}}",
                           symbol="GOOG", side="buy", qty=1.0, price=100.0, time_ns=bar[r])],
            decisions=[DecisionRow(run_id=r, time_ns=bar[r], symbol="GOOG", side="long",
                                   rule="long_entry", approved=True, qty=1.0,
                                   conviction=70.0, record=template)]))
    time.sleep(max(0.0, interval - (time.monotonic() - start)))
"""


def seed(url: str, data: Path, runs: int) -> list[str]:
    """``runs`` real runs of the runner on ``data``: varied SMA periods, all to the end."""
    from app.dsl import parse_spec
    from app.feeds.replay import ReplayFeed
    from app.market.data_source import load_for_spec
    from app.runner import Runner
    from app.store import Store

    store = Store(url)
    ids = []
    for k in range(runs):
        text = SPEC.format(k=k, fast=5 + k % 7, slow=20 + 2 * (k % 9))
        spec = parse_spec(text)
        row = store.create_run(spec.name, text, data=str(data))
        Runner(store, row.id, ReplayFeed(load_for_spec(spec, data))).run(
            spec, lambda e: None, threading.Event()
        )
        store.update_run(row.id, status="running", pid=os.getpid())  # "alive" runs
        ids.append(row.id)
    return ids


def ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "median_ms": round(statistics.median(values) * 1e3, 2),
        "p95_ms": round(values[int(0.95 * (len(values) - 1))] * 1e3, 2),
        "max_ms": round(values[-1] * 1e3, 2),
    }


def bench_polls(settings, ids: list[str], polls: int) -> dict[str, dict[str, float]]:
    from app.tui.runs import Cursor, RunService

    store = RunService(settings).store
    monitor = RunService(settings).monitor()
    cursor = Cursor(ids[0])
    snap = monitor.poll(cursor)  # first read: everything, and the replay closes
    cursor = _advance(cursor, snap.detail)
    idle, busy = [], []
    for i in range(polls):
        t = time.perf_counter()
        snap = monitor.poll(cursor)
        idle.append(time.perf_counter() - t)
        cursor = _advance(cursor, snap.detail)
    for i in range(polls):
        for r in ids:  # every run commits something between polls
            store.add_event(r, "bench", f"tick {i}")
            store.update_run(r, bars_done=10_000 + i)
        t = time.perf_counter()
        snap = monitor.poll(cursor)
        busy.append(time.perf_counter() - t)
        cursor = _advance(cursor, snap.detail)
    return {"poll_idle": ms(idle), "poll_busy": ms(busy)}


def _advance(cursor, detail):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    if detail is None:
        return cursor
    new = replace(cursor, version=detail.version)
    for name in ("fills", "trades", "events", "decisions"):
        rows = getattr(detail, name)
        if rows:
            setattr(new, name, max(r.id for r in rows))
    return new


async def bench_ui(settings, ids: list[str], url: str, args) -> dict:  # type: ignore[no-untyped-def]
    from textual import events
    from textual.widgets import DataTable

    from app.tui.app import ParleyApp
    from app.tui.messages import MonitorPolled
    from app.tui.runs import RunService
    from app.tui.screens.monitor import MonitorScreen
    from app.tui.services import build_services

    store = RunService(settings).store
    template = store.decisions(ids[0])[-1].record()
    counts = {"polled": 0}
    sent: dict[str, float] = {}
    latencies: list[float] = []

    def hook(message: object) -> None:
        if isinstance(message, MonitorPolled):
            counts["polled"] += 1
        elif (
            isinstance(message, DataTable.RowHighlighted)
            and "t" in sent
            and message.data_table.id == "runs"
        ):
            latencies.append(time.perf_counter() - sent.pop("t"))

    app = ParleyApp(build_services(settings), cursor_blink=False)
    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MonitorScreen)

        applies = []
        for i in range(args.polls):  # the UI's share of a busy refresh
            for r in ids:
                store.add_event(r, "bench", f"apply {i}")
                store.update_run(r, bars_done=20_000 + i)
            snap = screen.monitor.poll(screen.cursor)
            t = time.perf_counter()
            screen.show_snapshot(snap)
            applies.append(time.perf_counter() - t)
            await pilot.pause()

        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER.format(root=str(ROOT), url=url, runs=ids, template=template, rate=args.rate),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            polled_before = counts["polled"]
            bars_before = store.get_run(ids[0]).bars_done
            table = screen.query_one("#runs", DataTable)
            table.focus()
            table.move_cursor(row=0)
            await pilot.pause()
            started = time.perf_counter()
            for i in range(args.keys):
                key = events.Key("down" if (i // 10) % 2 == 0 else "up", None)
                key.set_sender(app)
                sent["t"] = time.perf_counter()
                app._driver.send_message(key)  # as a terminal's key press arrives
                while "t" in sent and time.perf_counter() - sent["t"] < 5:
                    await asyncio.sleep(0.001)
                sent.pop("t", None)
                await asyncio.sleep(0.1)  # a person presses a key now and then
            elapsed = time.perf_counter() - started
            await app.workers.wait_for_complete()
            bars = store.get_run(ids[0]).bars_done - bars_before
        finally:
            writer.terminate()
            writer.wait()
        polled = counts["polled"] - polled_before
    return {
        "apply": ms(applies),
        "key_press_under_load": ms(latencies),
        "keys_handled": len(latencies),
        "load_seconds": round(elapsed, 1),
        "bars_committed_per_run": bars,
        "polls_shown": polled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--polls", type=int, default=60)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="bars a second each run commits during the key-press test",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PARLEY_HOME"] = str(Path(tmp) / "home")
        for key in ("ANTHROPIC_API_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
            os.environ.pop(key, None)
        from app.config import Settings
        from app.market.bundled import bundled_dir

        data = Path(tmp) / "goog"
        data.mkdir()
        lines = (bundled_dir() / "GOOG.csv").read_text().splitlines()
        (data / "GOOG.csv").write_text("\n".join(lines[: DAYS + 1]) + "\n")
        settings = Settings(strategies_dir=Path(tmp) / "strategies")
        t = time.perf_counter()
        ids = seed(settings.db_url, data, args.runs)
        seeded = time.perf_counter() - t
        result = {"runs": args.runs, "seed_seconds": round(seeded, 1)}
        result.update(bench_polls(settings, ids, args.polls))
        result.update(asyncio.run(bench_ui(settings, ids, settings.db_url, args)))
    print(f"{args.runs} runs (seeded by the runner in {result['seed_seconds']} s)")
    for name in ("poll_idle", "poll_busy", "apply", "key_press_under_load"):
        r = result[name]
        print(
            f"  {name:<22} median {r['median_ms']:7.2f} ms   p95 {r['p95_ms']:7.2f} ms"
            f"   max {r['max_ms']:7.2f} ms"
        )
    print(
        f"  under load: {result['bars_committed_per_run']} bars committed per run in "
        f"{result['load_seconds']} s; {result['polls_shown']} polls shown; "
        f"{result['keys_handled']}/{args.keys} key presses moved the cursor"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
