"""Whole-process backtest benchmark: Parley and its peers, each as its own process, on the
same folder of CSV files (see ``bench_backtest.py --whole-process``)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BARS, SEED = 2_520, 7
CASH_PER_SYMBOL = 1_000_000.0


def make_folder(folder: Path, n: int) -> list[str]:
    """N seeded synthetic symbols as SYMBOL.csv files (written once, reused after)."""
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.csv"))) == n:
        return sorted(p.stem for p in folder.glob("*.csv"))
    sys.path.insert(0, str(ROOT))
    from app.market.synthetic import synthetic_market

    frames = synthetic_market(n, BARS, seed=SEED)
    for symbol, df in frames.items():
        df.rename(columns=str.capitalize).to_csv(
            folder / f"{symbol}.csv", index_label="Date", date_format="%Y-%m-%d"
        )
    return list(frames)


def subset(folder: Path, target: Path, symbols: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for s in symbols:
        link = target / f"{s}.csv"
        if not link.exists():
            link.symlink_to(folder / f"{s}.csv")


def spec_file(path: Path, symbols: list[str]) -> Path:
    path.write_text(
        'strategy "SMA 10/30 bench"\n'
        f"universe {', '.join(symbols)}\ntimeframe 1d\n"
        "long when sma(close, 10) crosses above sma(close, 30)\n"
        "exit when sma(close, 10) crosses below sma(close, 30)\n"
        "size 10 shares\n",
        encoding="utf-8",
    )
    return path


# Linux keeps a process's peak RSS (ru_maxrss) across fork and exec: a child forked from
# this process starts with this process's high-water mark. Once this process has read a
# few hundred MB of JSON, every child would report at least that. So children are started
# by a small launcher process, spawned before this one grows, whose own peak stays ~10 MB.
LAUNCHER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    out = open(job["stdout"], "wb") if job["stdout"] else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(job["cmd"], env=job["env"], stdout=out, stderr=subprocess.PIPE)
    err = proc.stderr.read()[-2000:].decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if job["stdout"]:
        out.close()
    print(json.dumps([wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                      os.waitstatus_to_exitcode(status), err]), flush=True)
"""


class Launcher:
    """Runs child processes from a process that stays small (see LAUNCHER)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(
        self, cmd: list[str], env: dict[str, str], stdout: Path | None
    ) -> tuple[float, float, float, int, str]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(
            json.dumps({"cmd": cmd, "env": env, "stdout": str(stdout) if stdout else None}) + "\n"
        )
        self.proc.stdin.flush()
        wall, rss, cpu, rc, err = json.loads(self.proc.stdout.readline())
        return wall, rss, cpu, rc, err

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


_launcher: Launcher | None = None


def start_launcher() -> None:
    """Start the launcher now, while this process is small (idempotent)."""
    global _launcher
    if _launcher is None:
        _launcher = Launcher()


def stop_launcher() -> None:
    global _launcher
    if _launcher is not None:
        _launcher.close()
        _launcher = None


def timed(
    cmd: list[str], env: dict[str, str], stdout: Path | None = None
) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one child process, that process's
    own figures (started through the launcher); fails loudly on exit != 0."""
    start_launcher()
    assert _launcher is not None
    wall, rss, cpu, rc, err = _launcher.run(cmd, env, stdout)
    if rc:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({rc}):\n{err}")
    return wall, rss, cpu


def parley_trades(path: Path) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for t in json.loads(path.read_text())["trades"]:
        out.setdefault(t["symbol"], []).append(
            [t["entry_time"][:10], t["entry_price"], t["exit_time"][:10], t["exit_price"]]
        )
    return out


def agree(ours: dict[str, list], theirs: dict[str, list], symbols: list[str]) -> str:
    ok = sum(
        len(ours.get(s, [])) == len(theirs.get(s, []))
        and all(
            a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) < 1e-9 and abs(a[3] - b[3]) < 1e-9
            for a, b in zip(ours.get(s, []), theirs.get(s, []))
        )
        for s in symbols
    )
    n = sum(len(theirs.get(s, [])) for s in symbols)
    return f"{ok}/{len(symbols)} symbols, {n:,} trades"


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="whole-process backtest benchmark")
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument(
        "--peer-symbols",
        type=int,
        default=100,
        help="backtesting.py and backtrader run on the first K files",
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--csv-dir", type=Path, default=Path(tempfile.gettempdir()) / "parley-bench")
    ap.add_argument("--peers", nargs="*", default=["vectorbt", "backtesting", "backtrader"])
    args = ap.parse_args(argv)
    start_launcher()  # before this process grows (make_folder imports pandas)
    work = args.csv_dir
    full = work / f"sma-{args.symbols}"
    symbols = make_folder(full, args.symbols)
    k = min(args.peer_symbols, len(symbols))
    part = work / f"sma-{args.symbols}-first-{k}"
    subset(full, part, symbols[:k])
    specs = {
        "full": spec_file(work / f"sma-{args.symbols}.strategy", symbols),
        "part": spec_file(work / f"sma-{args.symbols}-first-{k}.strategy", symbols[:k]),
    }
    folders = {"full": full, "part": part}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PARLEY_HOME": str(work / "home")}
    cold = {**env, "PARLEY_NO_CSV_CACHE": "1"}
    py = sys.executable

    def parley(which: str, environ: dict[str, str]) -> tuple[float, float, float]:
        n = len(symbols) if which == "full" else k
        return timed(
            [
                py,
                "-m",
                "app",
                "backtest",
                str(specs[which]),
                "--data",
                str(folders[which]),
                "--cash",
                str(CASH_PER_SYMBOL * n),
                "--json",
            ],
            environ,
            work / f"parley-{which}.json",
        )

    def peer(name: str, which: str) -> tuple[float, float, float]:
        return timed(
            [py, str(HERE / "peer_sma.py"), name, str(folders[which]), str(work / f"{name}.json")],
            env,
        )

    if "vectorbt" in args.peers:
        peer("vectorbt", "part")  # compiles vectorbt's numba functions into its disk cache
    parley("full", env)  # fills Parley's CSV cache for the warm runs
    parley("part", env)
    plan = [("parley", "full", cold), ("parley warm cache", "full", env)]
    plan += [(p, "full") for p in args.peers if p == "vectorbt"]
    plan += [("parley", "part", cold), ("parley warm cache", "part", env)]
    plan += [(p, "part") for p in args.peers if p != "vectorbt"]
    runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    checks: dict[tuple[str, str], str] = {}
    for _ in range(args.rounds):
        for item in plan:
            name, which = item[0], item[1]
            if name.startswith("parley"):
                runs.setdefault((name, which), []).append(parley(which, item[2]))
                continue
            runs.setdefault((name, which), []).append(peer(name, which))
            ours = parley_trades(work / f"parley-{which}.json")
            theirs = json.loads((work / f"{name}.json").read_text())
            checks[(name, which)] = agree(ours, theirs, symbols if which == "full" else symbols[:k])
    stop_launcher()
    report(runs, checks, len(symbols), k, args.rounds)
    return 0


def report(runs: dict, checks: dict, n: int, k: int, rounds: int) -> None:
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}; {rounds} interleaved rounds; wall and CPU s min/median/max"
    )
    for which, size in (("full", n), ("part", k)):
        base = [v[0] for v in runs[("parley", which)]]
        warm = [v[0] for v in runs[("parley warm cache", which)]]
        base_cpu = [v[2] for v in runs[("parley", which)]]
        print(f"\n{size} symbols x {BARS} bars from CSV, whole process:")
        for (name, w), values in runs.items():
            if w != which:
                continue
            walls = [v[0] for v in values]
            line = (
                f"  {name:18} {spread(walls)} s, CPU {spread([v[2] for v in values])} s, "
                f"peak RSS {spread([v[1] for v in values], '{:.0f}')} MB"
            )
            if not name.startswith("parley"):
                ratios = [p / b for p, b in zip(walls, base)]
                warmed = [p / b for p, b in zip(walls, warm)]
                cpu = [v[2] / b for v, b in zip(values, base_cpu)]
                line += (
                    f"\n{'':20}= {spread(ratios, '{:.1f}')}x Parley's wall (cache off), "
                    f"{spread(warmed, '{:.1f}')}x (cache warm), CPU "
                    f"{spread(cpu, '{:.1f}')}x (cache off); trades equal on "
                    f"{checks[(name, which)]}"
                )
            print(line)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
