"""Kill test: a replay run with every layer on, SIGKILLed at random moments and resumed.

    python benchmarks/kill_test.py --kills 100 [--seed 7] [--bars 0]

The spec (:data:`SPEC_TEXT`) has a regime filter, the agent team (offline, every analyst),
its memory of lessons, risk limits, stops and targets, and risk sizing, over four symbols
of the bundled data (``--bars N`` keeps each symbol's last N bars; 0 keeps all). A
``parley run`` subprocess is killed with SIGKILL at a random (seeded) moment -- mostly
while it processes bars (a random delay after the run's committed bar count moves), now
and then while it starts up -- and restarted with ``parley resume``, again and again.

Then it checks: no client order id twice (journal and fills), every filled order has its
fill, and the orders (with their outcome), fills, trades (with sizes), open positions,
decisions (approval, size, conviction and reasons) and lessons equal those of an
uninterrupted run in process. Prints a JSON
summary; exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SYMBOLS = ("GOOG", "NVDA", "ORCL", "YHOO")
SPEC_TEXT = """strategy "Kill test: every layer"
universe GOOG, NVDA, ORCL, YHOO
timeframe 1d
long when close > sma(close, 20) and rsi(close, 14) < 70
short when close < sma(close, 50) and rsi(close, 14) > 30
exit long when close < sma(close, 20)
exit short when close > sma(close, 50)
stop loss 2 atr(14)
take profit 12%
size risk 1% of equity
max positions 3
regime allow trending_up, trending_down, mean_reverting
agents all
min conviction 45
max drawdown 30%
max daily loss 4%
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APCA_", "ANTHROPIC_"))}
    env["PARLEY_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _start(args: list[str], home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args, "--quiet"],
        cwd=ROOT,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_inputs(home: Path, bars: int) -> tuple[Path, Path]:
    """The spec file and a data folder with each symbol's last ``bars`` bars (0: all)."""
    sys.path.insert(0, str(ROOT))
    from app.market.bundled import bundled_dir

    home.mkdir(parents=True, exist_ok=True)
    spec, data = home / "kill.strategy", home / "data"
    spec.write_text(SPEC_TEXT)
    data.mkdir(exist_ok=True)
    for symbol in SYMBOLS:
        lines = (bundled_dir() / f"{symbol}.csv").read_text().splitlines()
        body = lines[1:] if bars <= 0 else lines[1:][-bars:]
        (data / f"{symbol}.csv").write_text("\n".join([lines[0], *body]) + "\n")
    return spec, data


def reference(spec_path: Path, data: Path) -> dict[str, Any]:
    """What an uninterrupted run records (in process, a fresh in-memory store)."""
    from app.dsl import load_spec, read_spec_text
    from app.feeds.replay import ReplayFeed
    from app.market.data_source import load_for_spec
    from app.runner import Runner
    from app.store import Store

    spec = load_spec(spec_path)
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(spec_path))
    Runner(store, run.id, ReplayFeed(load_for_spec(spec, str(data)))).run(
        spec, lambda e: None, threading.Event()
    )
    return record_of(store, run.id)


def record_of(store: Any, run_id: str) -> dict[str, Any]:
    from app.store.lessons import SqlLessonStore

    return {
        "trades": sorted(
            (
                t.symbol,
                t.side,
                t.entry_time_ns,
                t.exit_time_ns,
                t.qty,
                round(t.entry_price, 9),
                round(t.exit_price, 9),
                t.exit_reason,
            )
            for t in store.trades(run_id)
        ),
        "positions": sorted(
            (p.symbol, p.side, p.qty, p.entry_price, p.entry_time_ns)
            for p in store.positions(run_id)
        ),
        "decisions": [
            (d.time_ns, d.symbol, d.side, d.approved, d.qty, d.conviction, d.reasons)
            for d in store.decisions(run_id)
        ],
        "lessons": sorted(
            (
                x.id.replace(run_id, "RUN"),
                x.outcome_pct,
                x.closed.isoformat(),
                x.conviction,
                x.thesis,
            )
            for x in SqlLessonStore(store).all()
        ),
        "orders": sorted(
            (o.client_order_id.removeprefix(run_id), o.side, o.qty, o.status)
            for o in store.orders(run_id)
        ),
        "fills": sorted(
            (f.client_order_id.removeprefix(run_id), f.side, f.qty, f.price, f.time_ns)
            for f in store.fills(run_id)
        ),
    }


def _bars_done(db: Path, run_id: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            row = con.execute("select bars_done from runs where id = ?", (run_id,)).fetchone()
            return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0


def _kill_moment(
    proc: subprocess.Popen[str], rng: random.Random, db: Path, run_id: str, during_startup: bool
) -> bool:
    """Wait for a random moment to kill; False when the run finished first."""
    if during_startup:
        try:
            proc.wait(timeout=rng.uniform(0.05, 1.0))
            return False
        except subprocess.TimeoutExpired:
            return True
    before, deadline = _bars_done(db, run_id), time.monotonic() + 120
    while _bars_done(db, run_id) <= before and time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    try:
        proc.wait(timeout=rng.uniform(0.0, 0.6))
        return False
    except subprocess.TimeoutExpired:
        return True


def run_kill_test(
    kills: int, seed: int = 7, bars: int = 0, bar_delay: float = 0.002, home: Path | None = None
) -> dict[str, Any]:
    """Kill and resume ``kills`` times; return the summary (``ok`` says it all passed)."""
    rng = random.Random(seed)
    home = home or Path(tempfile.mkdtemp(prefix="parley-kill-"))
    spec, data = write_inputs(home, bars)
    db = home / "parley.db"
    proc = _start(
        ["run", str(spec), "--data", str(data), "--speed", "max", "--bar-delay", str(bar_delay)],
        home,
    )
    assert proc.stdout is not None
    run_id = proc.stdout.readline().split()[1]
    survived, t0, restarts = 0, time.monotonic(), []
    while survived < kills:
        started = time.monotonic()
        if not _kill_moment(proc, rng, db, run_id, during_startup=survived % 10 == 9):
            break  # it finished before this kill
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        restarts.append(time.monotonic() - started)
        survived += 1
        proc = _start(["resume", run_id], home)
    out, err = proc.communicate(timeout=900)
    seconds = time.monotonic() - t0
    return _check(run_id, home, spec, data, survived, proc.returncode, out + err, seconds)


def _check(
    run_id: str,
    home: Path,
    spec: Path,
    data: Path,
    kills: int,
    code: int,
    tail: str,
    seconds: float,
) -> dict[str, Any]:
    from app.store import Store

    store = Store(f"sqlite:///{home / 'parley.db'}")
    orders, fills = store.orders(run_id), store.fills(run_id)
    order_ids = Counter(o.client_order_id for o in orders)
    fill_ids = Counter(f.client_order_id for f in fills)
    got, ref = record_of(store, run_id), reference(spec, data)
    checks = {
        "finished": store.get_run(run_id).status == "finished" and code == 0,
        "no_duplicate_order_ids": all(n == 1 for n in order_ids.values()),
        "no_order_filled_twice": all(n == 1 for n in fill_ids.values()),
        "no_lost_fill": all(o.client_order_id in fill_ids for o in orders if o.status == "filled"),
        **{f"{name}_equal_uninterrupted": got[name] == ref[name] for name in ref},
    }
    first_diff = {name: _first_diff(got[name], ref[name]) for name in ref if got[name] != ref[name]}
    return {
        "run": run_id,
        "kills": kills,
        "seconds": round(seconds, 1),
        "bars": store.get_run(run_id).bars_done,
        "orders": len(orders),
        "fills": len(fills),
        "trades": len(got["trades"]),
        "decisions": len(got["decisions"]),
        "approved": sum(1 for d in got["decisions"] if d[3]),
        "lessons": len(got["lessons"]),
        "reference_trades": len(ref["trades"]),
        "checks": checks,
        "ok": all(checks.values()),
        "first_difference": first_diff,
        "last_output": tail[-300:],
    }


def _first_diff(got: list, ref: list) -> Any:
    for i, (a, b) in enumerate(zip(got, ref)):
        if a != b:
            return {"at": i, "got": repr(a), "uninterrupted": repr(b)}
    return {"lengths": [len(got), len(ref)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bars", type=int, default=0, help="last N bars of each symbol")
    parser.add_argument("--bar-delay", type=float, default=0.002)
    args = parser.parse_args()
    summary = run_kill_test(args.kills, args.seed, args.bars, args.bar_delay)
    print(json.dumps(summary, indent=1))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
