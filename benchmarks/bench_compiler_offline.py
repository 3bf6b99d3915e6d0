"""Latency of the offline compiler, in process and as a whole ``parley compile`` process.

Run: PYTHONPATH=. python benchmarks/bench_compiler_offline.py [--repeat N]

In process: the median time of one ``compile_offline`` over every description of the
compiler's own example set (tests/compiler_devset.py), min/median/max over the runs, against
``parse_spec`` of the reference spec measured in the same runs, interleaved. Whole process:
``parley compile --offline TEXT --json`` against ``python -c pass``, interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from app.compiler.offline import compile_offline
from app.dsl import parse_spec
from tests.compiler_devset import DEVSET, FRESH, FRESH2, HOLDOUT

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "buy GOOG when the 10-day SMA crosses above the 30-day SMA, sell when it crosses "
    "below, 10 shares"
)


def per_call(fn, items: list[str]) -> float:  # type: ignore[no-untyped-def]
    times = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def in_process(repeat: int) -> tuple[list[float], list[float]]:
    texts = [c.text for c in (*DEVSET, *HOLDOUT, *FRESH, *FRESH2)]
    spec = (ROOT / "strategies" / "sma_crossover.strategy").read_text()
    compile_offline(TEXT)  # build the parser once, as any process does on its first text
    ours, peer = [], []
    for _ in range(repeat):
        ours.append(per_call(compile_offline, texts))
        peer.append(per_call(parse_spec, [spec] * 50))
    return ours, peer


def whole_process(repeat: int) -> tuple[list[float], list[float]]:
    ours, peer = [], []
    for _ in range(repeat):
        for cmd, out in (
            ([sys.executable, "-m", "app", "compile", "--offline", TEXT, "--json"], ours),
            ([sys.executable, "-c", "pass"], peer),
        ):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
            out.append(time.perf_counter() - t)
    return ours, peer


def show(label: str, ours: list[float], peer: list[float], peer_label: str) -> None:
    ms = [x * 1000 for x in ours]
    pm = [x * 1000 for x in peer]
    print(
        f"{label}: min {min(ms):.2f} ms, median {statistics.median(ms):.2f} ms, "
        f"max {max(ms):.2f} ms; {peer_label}: median {statistics.median(pm):.2f} ms; "
        f"ratio {statistics.median(ms) / statistics.median(pm):.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    show(
        "compile_offline per text (median over texts)",
        *in_process(args.repeat),
        "parse_spec of the reference spec",
    )
    show(
        "parley compile --offline --json (whole process)",
        *whole_process(args.repeat),
        "python -c pass",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
