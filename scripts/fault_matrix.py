"""Run the fault matrix and print, for each fault, the command, its exit code and the first
lines of its output; the last line says whether any output held a traceback or a key value.

    python scripts/fault_matrix.py [LINES]

Each fault is real (tests/fault_cases.py sets it up): a text file and a truncated file as
parley.db, a read-only home and database (a read-only bind mount), processes creating one
store at once, a PostgreSQL server started then stopped, Alpaca on a closed loopback port,
a fake Alpaca that refuses the keys, and the LLM API on a closed loopback port.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import fault_cases as fc  # noqa: E402 - after the path is set


def show(o: fc.Outcome, lines: int) -> bool:
    """Print one outcome; True when it is clean (no traceback, no key value)."""
    print(f"== {o.fault}\n$ {' '.join(o.command)}\nexit {o.code}")
    text = [line for line in (o.err + o.out).splitlines() if line.strip()]
    for line in text[:lines]:
        print(f"  {line[:160]}")
    secrets = (*fc.FAKE_KEYS.values(), fc.PG_PASSWORD)
    clean = "Traceback" not in o.text and not any(s in o.text for s in secrets)
    print(f"  [{'clean' if clean else 'TRACEBACK OR KEY IN OUTPUT'}]\n")
    return clean


def main(lines: int = 3) -> int:
    clean = True
    for case in fc.MATRIX:
        with tempfile.TemporaryDirectory() as tmp:
            outcome = case(Path(tmp))
        if outcome is None:
            print(f"== {case.__name__}: skipped (not possible on this machine)\n")
            continue
        for o in outcome if isinstance(outcome, list) else [outcome]:
            clean = show(o, lines) and clean
    print("no traceback, no key value in any output" if clean else "FAULTS LEAKED")
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
