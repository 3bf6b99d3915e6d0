"""Which layer lines an example spec keeps, from `parley evaluate --json` on an early period.

    parley evaluate strategies/X.strategy --to 2009-12-31 --json > early.json
    python scripts/choose_layers.py early.json [...]

The rule, fixed before looking at any later data: a layer line stays only if, on the early
period, its layer ranked at or above the median of its matched null (50th percentile) and
did not lower the Sharpe ratio against its base. The ``agents`` line brings memory with it,
so it stays only if both the team and its memory pass.
"""

from __future__ import annotations

import json
import sys
from typing import Any

LINES = {"regime": ("regime",), "agents": ("agents", "memory")}


def passes(layer: dict[str, Any]) -> bool:
    return layer["null_percentile"] >= 50 and layer["sharpe_difference"] >= 0


def choose(report: dict[str, Any]) -> dict[str, bool | None]:
    """Line -> keep it (None when the spec has no such line)."""
    layers = {f["layer"]: f for f in report["layers"]}
    return {
        line: (all(passes(layers[n]) for n in needs) if all(n in layers for n in needs) else None)
        for line, needs in LINES.items()
    }


def main(paths: list[str]) -> None:
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        verdict = choose(report)
        words = ", ".join(
            f"{line}: {'keep' if keep else 'drop'}"
            for line, keep in verdict.items()
            if keep is not None
        )
        print(f"{report['strategy']}: {words or 'no layer lines'}")


if __name__ == "__main__":
    main(sys.argv[1:])
