"""Parley's parameter sweep against vectorbt's parameter grid, as whole processes.

Same files (N seeded symbols x 2,520 daily bars of ``app.market.synthetic``, one CSV each),
same grid (SMA fast x slow crossovers, 1,000 variants by default), same rules (long when
fast crosses above slow, out when it crosses below, 10 shares, next-open fills, no costs,
cash that never binds). Each tool runs as its own process, interleaved, ``--repeat`` times;
the figures are min / median / max wall seconds and the ratio of medians. Then:

* trades: every ``--sample``-th variant's closed trades from vectorbt equal Parley's
  (symbol, entry date and price, exit date and price, to 1e-6);
* the walk-forward sweep (``--walk-forward 5``) against the plain sweep;
* workers: Parley with 1 and 2 processes (how time grows with workers);
* Ray: the same sweep through ``--backend ray`` on a local Ray instance started by each
  run (its start-up included), in every round, checked equal to that round's local run.

Each round also prints the load and the cores this session got while two processes spun:
under the kernel's autogroup scheduling a busy machine gives a session a share that does
not grow with its process count, so 2 workers beat 1 only when that figure is well above 1.

    PYTHONPATH=. python benchmarks/bench_sweep.py [--symbols 100] [--repeat 3] [--no-ray]
        [--grid FAST_LO FAST_HI FAST_STEP SLOW_LO SLOW_HI SLOW_STEP] [--peer-rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRID = (2, 41, 1, 50, 290, 10)  # fast 2..41 step 1 (40) x slow 50..290 step 10 (25) = 1,000


def write_data(folder: Path, n: int) -> list[str]:
    from app.market.synthetic import synthetic_market

    folder.mkdir(parents=True, exist_ok=True)
    market = synthetic_market(n, 2_520, seed=7)
    for symbol, df in market.items():
        df.rename(columns=str.title).to_csv(folder / f"{symbol}.csv", index_label="Date")
    return list(market)


def write_spec(path: Path, symbols: list[str], grid: tuple[int, ...]) -> None:
    f0, f1, fs, s0, s1, ss = grid
    path.write_text(
        'strategy "SMA sweep bench"\n'
        f"universe {', '.join(symbols)}\n"
        f"param fast = {f0} in {f0}..{f1} step {fs}\n"
        f"param slow = {s0} in {s0}..{s1} step {ss}\n"
        "long when sma(close, fast) crosses above sma(close, slow)\n"
        "exit when sma(close, fast) crosses below sma(close, slow)\n"
        "size 10 shares\n"
    )


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system, the process and its children) of each timed run, by label."""


def timed(cmd: list[str], env: dict[str, str], label: str = "") -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    if label:
        CPU.setdefault(label, []).append(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        )
    return wall, done.stdout


def fmt(values: list[float], label: str = "") -> str:
    out = f"{min(values):6.2f} / {statistics.median(values):6.2f} / {max(values):6.2f} s"
    if label in CPU:
        out += f" (CPU median {statistics.median(CPU[label]):6.2f} s)"
    return out


def check_trades(spec: Path, data: Path, peer_file: Path) -> tuple[int, int]:
    """(variants checked, variants whose trades agree), the variants' signals evaluated
    together as the sweep does (over the variant axis)."""
    import numpy as np

    from app.dsl import load_spec
    from app.execution.costs import ZERO
    from app.market.loader import load_bars
    from app.spec.params import bind
    from app.sweep.fast import run_fast
    from app.sweep.panel import batch_signals, build_panel

    base = load_spec(str(spec))
    frames = load_bars(data)
    theirs = json.loads(peer_file.read_text())
    agree = 0
    variants = [
        bind(base, dict(zip(("fast", "slow"), (float(x) for x in key.split(",")))))
        for key in theirs
    ]
    panel = build_panel(variants[0], frames, None, None, str(data))
    signals = batch_signals(variants, panel)
    for variant, sig, rows in zip(variants, signals, theirs.values()):
        run = run_fast(variant, panel, 1e9, ZERO, ZERO, sig)
        day = panel.union.astype("datetime64[ns]").astype("datetime64[D]").astype(str)
        ours = sorted(
            [panel.symbols[int(r[0])], day[int(r[2])], float(r[3]), day[int(r[4])], float(r[5])]
            for r in run.trades
        )
        same = len(ours) == len(rows) and all(
            a[0] == b[0]
            and a[1] == b[1]
            and a[3] == b[3]
            and np.isclose(a[2], b[2], atol=1e-6)
            and np.isclose(a[4], b[4], atol=1e-6)
            for a, b in zip(ours, sorted(rows))
        )
        agree += same
    return len(theirs), agree


def cores_probe(seconds: float = 1.0) -> float:
    """Cores this session got while two processes spun for ``seconds``: on a machine shared
    under the kernel's autogroup scheduling a session's share is fixed by how many sessions
    are busy, not by how many processes it runs, so a second worker only helps when this
    is well above 1."""
    import multiprocessing as mp

    procs = [mp.get_context("fork").Process(target=_spin, args=(seconds,)) for _ in range(2)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu / (time.perf_counter() - t0)


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def machine() -> str:
    return (
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; two spinning "
        f"processes got {cores_probe():.2f} of {os.cpu_count()} cores"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sample", type=int, default=97, help="check every K-th variant's trades")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument(
        "--peer-rounds",
        type=int,
        default=None,
        help="time vectorbt in only the first N rounds (default: every round)",
    )
    ap.add_argument("--grid", type=int, nargs=6, default=list(GRID), metavar="N")
    args = ap.parse_args(argv)
    grid = tuple(args.grid)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data, spec = root / "data", root / "bench.strategy"
        symbols = write_data(data, args.symbols)
        write_spec(spec, symbols, grid)
        n = len(range(grid[0], grid[1] + 1, grid[2])) * len(range(grid[3], grid[4] + 1, grid[5]))
        print(
            f"{n} variants x {args.symbols} symbols x 2,520 bars; {os.cpu_count()} cores; "
            f"{machine()}",
            flush=True,
        )
        parley = [
            sys.executable,
            "-m",
            "app",
            "sweep",
            str(spec),
            "--data",
            str(data),
            "--cash",
            "1e9",
            "--json",
        ]
        peer = [
            sys.executable,
            str(HERE / "sweep_peer_vectorbt.py"),
            str(data),
            *(str(x) for x in grid),
        ]
        ray_cmd = parley + ["--backend", "ray", "--workers", "2"]
        timed(parley, env)  # warm numba's cache and the OS file cache for both
        timed(peer + ["--trades", str(root / "vbt.json"), "--sample", str(args.sample)], env)
        runs: dict[str, list[float]] = {k: [] for k in ("parley", "vectorbt", "wf", "one", "ray")}
        peer_rounds = args.repeat if args.peer_rounds is None else args.peer_rounds
        same_ray = None
        for r in range(args.repeat):
            wall, local = timed(parley, env, "parley")
            runs["parley"].append(wall)
            if r < peer_rounds:
                runs["vectorbt"].append(timed(peer, env, "vectorbt")[0])
            runs["wf"].append(timed(parley + ["--walk-forward", "5"], env, "wf")[0])
            runs["one"].append(timed(parley + ["--workers", "1"], env, "one")[0])
            if not args.no_ray:
                wall, remote = timed(ray_cmd, env, "ray")
                runs["ray"].append(wall)
                a, b = json.loads(local), json.loads(remote)
                equal = a["variants"] == b["variants"] and a["chosen"] == b["chosen"]
                same_ray = equal if same_ray is None else same_ray and equal
            print(
                f"round {r + 1}: "
                + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in runs.items() if len(v) > r)
                + f"; {machine()}",
                flush=True,
            )
        checked, agree = check_trades(spec, data, root / "vbt.json")
        med = {k: statistics.median(v) for k, v in runs.items() if v}
        print(
            f"{machine()}; wall min / median / max over {args.repeat} interleaved rounds "
            f"(vectorbt in {peer_rounds}); cores = CPU / wall, medians"
        )
        print(f"parley sweep (2 workers)   {fmt(runs['parley'], 'parley')}")
        theirs, ours = runs["vectorbt"], runs["parley"]
        if theirs:
            print(
                f"vectorbt 1.2 grid          {fmt(theirs, 'vectorbt')}   parley is "
                f"{med['vectorbt'] / med['parley']:.1f}x faster (medians of wall; "
                f"{_cpu('vectorbt') / _cpu('parley'):.1f}x by CPU; ratio per pair "
                f"{min(t / o for t, o in zip(theirs, ours)):.1f}"
                f"..{max(t / o for t, o in zip(theirs, ours)):.1f})"
            )
        print(
            f"walk-forward, 5 folds      {fmt(runs['wf'], 'wf')}   "
            f"{med['wf'] / med['parley']:.2f}x the plain sweep"
        )
        print(
            f"1 worker                   {fmt(runs['one'], 'one')}   "
            f"{med['one'] / med['parley']:.2f}x the 2-worker time"
        )
        if runs["ray"]:
            print(
                f"ray, 2 local workers       {fmt(runs['ray'], 'ray')}   "
                f"{med['ray'] - med['parley']:+.2f} s over the local pool (Ray start-up "
                f"included); results {'equal' if same_ray else 'DIFFERENT'} to the local "
                "run's in every round"
            )
        for label in ("parley", "vectorbt", "wf", "one", "ray"):
            if runs[label]:
                print(f"  {label:9} cores used {_cpu(label) / med[label]:.2f}")
        print(f"trades: {agree} of {checked} sampled variants equal vectorbt's")
    return 0


def _cpu(label: str) -> float:
    return statistics.median(CPU[label])


if __name__ == "__main__":
    sys.exit(main())
