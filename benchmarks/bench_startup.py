"""Whole-process start-up of the spec commands, against an older commit, interleaved.

Run: python benchmarks/bench_startup.py [--runs N] [--old PATH] [--no-bytecode]

Times `parley check`, `fmt --check`, `explain` and `compile --offline` as a user runs them
(a new Python process each time, wall clock), alternating this tree and the old one so the
drift of a shared machine hits both. The old tree defaults to /tmp/old93, a worktree of
93f44cd (`git worktree add /tmp/old93 93f44cd`), made here when missing.

Each tree gets its own PARLEY_HOME, warmed by one untimed run per command (the grammar
cache, Python's bytecode). Python writes bytecode by default, as it does for a user;
`--no-bytecode` sets PYTHONDONTWRITEBYTECODE=1 (as this machine's shell does): Python then
writes no new .pyc files but still reads those already there. Prints wall and CPU (user +
system of the child) min/median/max per command, the ratio of the medians, and whether
pandas or numpy was imported.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "93f44cd"
SPEC = "strategies/golden_cross.strategy"
DESCRIPTION = (
    "Buy GOOG when the 50-day average crosses above the 200-day average, sell when "
    "it crosses back below, stop loss 2 ATR, risk 1% per trade"
)
COMMANDS = {
    "check": ["check", SPEC],
    "fmt --check": ["fmt", "--check", SPEC],
    "explain": ["explain", SPEC],
    "compile --offline": ["compile", "--offline", DESCRIPTION],
}
PROBE = (
    "import runpy, sys; sys.argv = ['parley', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('app', run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    "print('HEAVY', [m for m in ('pandas', 'numpy') if m in sys.modules], file=sys.stderr)"
)


def _old_tree(path: Path) -> Path:
    if not (path / "app").is_dir():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), OLD_COMMIT],
            check=True,
            capture_output=True,
        )
    return path


def _env(tree: Path, home: str, bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(tree), PARLEY_HOME=home)
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "PARLEY_LLM_API_KEY"):
        env.pop(key, None)
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(tree: Path, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process."""
    c0, t0 = _cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", *argv], cwd=tree, env=env, capture_output=True, text=True
    )
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: parley {' '.join(argv)} failed:\n{done.stderr}")
    return elapsed, cpu


def _heavy(tree: Path, argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=tree, env=env, capture_output=True, text=True
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("HEAVY")]
    return line[-1].removeprefix("HEAVY ") if line else "?"


def _stats(xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return f"{min(ms):8.1f} {statistics.median(ms):7.1f} {max(ms):7.1f}"


def _ratio(runs: dict[str, list[tuple[float, float]]], i: int, name: str) -> str:
    if name != "new":
        return "       "
    new, old = (statistics.median(p[i] for p in runs[n]) for n in ("new", "old"))
    return f"{new / old:6.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--old", type=Path, default=Path("/tmp/old93"))
    ap.add_argument("--no-bytecode", action="store_true")
    args = ap.parse_args()
    trees = {"old": _old_tree(args.old), "new": ROOT}
    homes = {name: tempfile.mkdtemp(prefix=f"parley-bench-{name}-") for name in trees}
    envs = {n: _env(t, homes[n], not args.no_bytecode) for n, t in trees.items()}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for label, argv in COMMANDS.items():
        for name, tree in trees.items():
            _once(tree, argv, envs[name])  # warm: grammar cache, bytecode
        for _ in range(args.runs):
            for name, tree in trees.items():
                times.setdefault((label, name), []).append(_once(tree, argv, envs[name]))
    mode = (
        "no bytecode files (PYTHONDONTWRITEBYTECODE=1)"
        if args.no_bytecode
        else "bytecode cached (Python's default)"
    )
    print(f"whole process, ms, {args.runs} runs each, interleaved; {mode}")
    print(f"old = {OLD_COMMIT} ({trees['old']}), new = {ROOT}; target <= 150 ms wall")
    print(
        f"{'command':18} {'tree':4} {'wall min':>8} {'median':>7} {'max':>7}  new/old  "
        f"{'CPU min':>8} {'median':>7} {'max':>7}  new/old  pandas/numpy"
    )
    for label, argv in COMMANDS.items():
        runs = {name: times[(label, name)] for name in trees}
        for name, pairs in runs.items():
            walls, cpus = [p[0] for p in pairs], [p[1] for p in pairs]
            print(
                f"{label:18} {name:4} {_stats(walls)}  {_ratio(runs, 0, name)}  "
                f"{_stats(cpus)}  {_ratio(runs, 1, name)}  "
                f"{_heavy(trees[name], argv, envs[name])}"
            )
    for home in homes.values():
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
