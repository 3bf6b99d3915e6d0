"""Kill test: a replay run SIGKILLed at random moments, resumed each time.

    python benchmarks/kill_test.py --kills 100 [--seed 7]

Runs strategies/sma_crossover.strategy on the bundled GOOG data in a subprocess
(``parley run --speed max`` with a small per-bar delay so it can be caught mid-run), kills
it with SIGKILL after a random (seeded) time, restarts it with ``parley resume``, and
repeats. Then it checks: no client order id twice (journal and fills), every order
filled exactly once (no lost fill), and the trades and open position equal those of an
uninterrupted run. Prints a JSON summary; exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "strategies" / "sma_crossover.strategy"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APCA_", "ANTHROPIC_"))}
    env["PARLEY_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _start(args: list[str], home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "app", *args, "--quiet"], cwd=ROOT,
                            env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def reference_trades() -> tuple[list[tuple], list[tuple]]:
    """Trades and open positions of an uninterrupted run (in process)."""
    sys.path.insert(0, str(ROOT))
    from app.dsl import load_spec, read_spec_text
    from app.feeds.replay import ReplayFeed
    from app.market.data_source import load_for_spec
    from app.runner import Runner
    from app.store import Store

    spec = load_spec(SPEC)
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SPEC))
    Runner(store, run.id, ReplayFeed(load_for_spec(spec))).run(spec, lambda e: None,
                                                               threading.Event())
    return _trades(store, run.id), _positions(store, run.id)


def _trades(store: Any, run_id: str) -> list[tuple]:
    return sorted((t.symbol, t.entry_time_ns, t.exit_time_ns, t.entry_price, t.exit_price,
                   t.qty, t.exit_reason) for t in store.trades(run_id))


def _positions(store: Any, run_id: str) -> list[tuple]:
    return sorted((p.symbol, p.qty, p.entry_price, p.entry_time_ns)
                  for p in store.positions(run_id))


def run_kill_test(kills: int, seed: int = 7, bar_delay: float | None = None,
                  home: Path | None = None) -> dict[str, Any]:
    """Kill and resume ``kills`` times; return the summary (``ok`` says it all passed)."""
    rng = random.Random(seed)
    home = home or Path(tempfile.mkdtemp(prefix="parley-kill-"))
    delay = bar_delay if bar_delay is not None else max(0.0005, 0.00025 * kills)
    proc = _start(["run", str(SPEC), "--speed", "max", "--bar-delay", str(delay)], home)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().split()[1]
    survived, t0 = 0, time.monotonic()
    while survived < kills:
        try:
            proc.wait(timeout=rng.uniform(0.2, 1.6))
            break  # it finished before this kill
        except subprocess.TimeoutExpired:
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        survived += 1
        proc = _start(["resume", run_id], home)
    out, err = proc.communicate(timeout=600)
    return _check(run_id, home, survived, proc.returncode, out + err, time.monotonic() - t0)


def _check(run_id: str, home: Path, kills: int, code: int, tail: str,
           seconds: float) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from app.store import Store

    store = Store(f"sqlite:///{home / 'parley.db'}")
    orders, fills = store.orders(run_id), store.fills(run_id)
    order_ids = Counter(o.client_order_id for o in orders)
    fill_ids = Counter(f.client_order_id for f in fills)
    ref_trades, ref_positions = reference_trades()
    trades, positions = _trades(store, run_id), _positions(store, run_id)
    checks = {
        "finished": store.get_run(run_id).status == "finished" and code == 0,
        "no_duplicate_order_ids": all(n == 1 for n in order_ids.values()),
        "no_order_filled_twice": all(n == 1 for n in fill_ids.values()),
        "no_lost_fill": set(fill_ids) == set(order_ids)
        and all(o.status == "filled" for o in orders),
        "trades_equal_uninterrupted": trades == ref_trades,
        "positions_equal_uninterrupted": positions == ref_positions,
    }
    return {"run": run_id, "kills": kills, "seconds": round(seconds, 1),
            "orders": len(orders), "fills": len(fills), "trades": len(trades),
            "reference_trades": len(ref_trades), "checks": checks,
            "ok": all(checks.values()), "last_output": tail[-300:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bar-delay", type=float)
    args = parser.parse_args()
    summary = run_kill_test(args.kills, args.seed, args.bar_delay)
    print(json.dumps(summary, indent=1))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
