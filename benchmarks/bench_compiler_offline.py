"""Accuracy and latency of the offline compiler on the dev set (and the held-out set).

Run: PYTHONPATH=. python benchmarks/bench_compiler_offline.py [--repeat N] [--verbose]

Prints, per set: fully right (every fact of a description right), facts right (share of
individual facts; "stated" leaves out the must-stay-unset checks), asked-the-right-question
(share of the descriptions that need a question where one on the right topic was asked),
and the median and p95 latency of one compile over every description.

The dev set was tuned on; see tests/compiler_devset.py for each other set's first-run
figure (the honest one for wording the compiler had not seen).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from app.compiler.offline import compile_offline
from tests.compiler_devset import DEVSET, FRESH, FRESH2, HOLDOUT, Case, check, stated


def score(cases: list[Case], verbose: bool) -> dict[str, float]:
    full = facts = right = stated_n = stated_right = asks = asked = 0
    for case in cases:
        result = compile_offline(case.text)
        marks = check(case, result)
        wrong = [k for k, ok in marks.items() if not ok]
        full += not wrong
        facts += len(marks)
        right += sum(marks.values())
        for k, ok in marks.items():
            if stated(case, k):
                stated_n += 1
                stated_right += ok
        if case.ask:
            asks += 1
            asked += all(marks[f"ask:{t}"] for t in case.ask)
        if verbose and wrong:
            print(f"  x {case.text[:90]!r}\n      wrong: {wrong}\n      questions: "
                  f"{result.questions} message: {result.message[:120]!r}")
            if result.text:
                print("      " + result.text.replace("\n", "\n      "))
    return {"cases": len(cases), "fully_right": full / len(cases), "facts_right": right / facts,
            "stated_facts_right": stated_right / stated_n,
            "asked_right_question": asked / asks if asks else 1.0, "facts": facts}


def latency(texts: list[str], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        for text in texts:
            t0 = time.perf_counter()
            compile_offline(text)
            times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--holdout", action="store_true", help="also list held-out failures")
    args = parser.parse_args()
    report = {}
    for name, cases in (("dev", DEVSET), ("holdout", HOLDOUT), ("fresh", FRESH),
                        ("fresh2", FRESH2)):
        verbose = args.verbose and (name == "dev" or args.holdout)
        s = score(cases, verbose)
        report[name] = s
        print(f"{name:8s} {s['cases']:3d} descriptions: fully right {s['fully_right']:.1%}, "
              f"facts right {s['facts_right']:.1%} of {s['facts']} "
              f"(stated facts {s['stated_facts_right']:.1%}), "
              f"asked the right question {s['asked_right_question']:.1%}")
    texts = [c.text for c in DEVSET + HOLDOUT + FRESH + FRESH2]
    compile_offline(texts[0])
    med, p95 = latency(texts, args.repeat)
    print(f"latency per description: median {med * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms "
          f"(target median < 20 ms) over {len(texts)} x {args.repeat}")
    report["latency_ms"] = {"median": med * 1e3, "p95": p95 * 1e3}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
