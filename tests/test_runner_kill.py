"""The kill test, small: a replay run SIGKILLed at 10 random (seeded) moments and resumed
each time loses no fill, duplicates no order and ends with the uninterrupted run's trades.
``benchmarks/kill_test.py --kills 100`` is the full version."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _kill_test():
    spec = importlib.util.spec_from_file_location("kill_test", ROOT / "benchmarks" / "kill_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run_kill_test


def test_ten_sigkills_lose_and_duplicate_nothing(tmp_path):
    summary = _kill_test()(10, seed=3, home=tmp_path)
    assert summary["kills"] >= 5, summary
    assert summary["checks"] == {name: True for name in summary["checks"]}, summary
    assert summary["orders"] == 65 and summary["trades"] == 32
