"""Parse + validate time per spec, over the example strategies.

Run: python benchmarks/bench_dsl.py [--repeat N]
Prints the median and p90 per spec, and each file's median, with the time of a bare
`json.loads(model_dump_json)` of the same spec as a peer measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from app.dsl import format_spec, parse_spec
from app.spec.models import StrategySpec

ROOT = Path(__file__).resolve().parents[1]


def _time(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    files = sorted((ROOT / "strategies").glob("*.strategy"))
    medians, peers, fmt = [], [], []
    for path in files:
        text = path.read_text()
        spec = parse_spec(text)
        dumped = spec.model_dump_json()
        med = statistics.median(_time(lambda: parse_spec(text), args.repeat))
        peer = statistics.median(
            _time(lambda: StrategySpec.model_validate_json(dumped), args.repeat)
        )
        fmt.append(statistics.median(_time(lambda: format_spec(spec), args.repeat)))
        medians.append(med)
        peers.append(peer)
        print(
            f"{path.name:34s} parse+validate {med * 1e3:7.3f} ms   "
            f"(pydantic JSON validate {peer * 1e3:6.3f} ms)"
        )
    med = statistics.median(medians)
    print(
        f"\nmedian parse+validate per spec: {med * 1e3:.3f} ms over {len(files)} specs "
        f"(target < 1 ms); p90 {sorted(medians)[int(0.9 * (len(medians) - 1))] * 1e3:.3f} ms"
    )
    print(
        f"ratio to pydantic validating the same spec from JSON: "
        f"{med / statistics.median(peers):.1f}x"
    )
    print(f"median format per spec: {statistics.median(fmt) * 1e3:.3f} ms")
    print(json.dumps({"median_ms": med * 1e3}))


if __name__ == "__main__":
    main()
