"""The kill test, small: a run with every layer on (regime filter, agent team and its
memory, limits, stops, risk sizing) SIGKILLed at 5 random (seeded) moments and resumed each
time loses no fill, duplicates no order, and ends with the uninterrupted run's trades,
sizes, decisions (convictions and reasons) and lessons.
``benchmarks/kill_test.py --kills 100`` is the full version."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _kill_test():
    spec = importlib.util.spec_from_file_location("kill_test", ROOT / "benchmarks" / "kill_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run_kill_test


def test_sigkills_with_every_layer_on_change_nothing(tmp_path):
    summary = _kill_test()(5, seed=3, bars=200, bar_delay=0.01, home=tmp_path)
    assert summary["kills"] >= 3, summary
    assert summary["checks"] == {name: True for name in summary["checks"]}, summary
    assert summary["trades"] > 10 and summary["lessons"] > 10, summary
    assert summary["approved"] < summary["decisions"], summary  # the gates did veto
