"""The corpus is sound: every record is well-formed, every expected spec parses and agrees
with its facts, nothing is duplicated, and every record sits on its fixed side of the split.

These checks read the records' structure only; they score nothing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check_corpus = _module("check_corpus")
split = _module("split")
behaviour = _module("behaviour")


def _records():
    """Every record of every corpus file: dev, holdout and the second and third holdouts."""
    return [rec for _, rec in check_corpus.load([HERE / name for name in check_corpus.FILES])]


def test_the_second_holdout_is_its_own_file():
    """holdout2.jsonl stays out of the split: split.py never reads or rewrites it."""
    names = {path.name for path in split.FILES.values()}
    assert "holdout2.jsonl" not in names
    assert len(split.read(HERE / "holdout2.jsonl")) >= 100


def test_the_third_holdout_is_its_own_file_and_is_checked():
    """holdout3.jsonl stays out of the split and is among the files every check reads."""
    names = {path.name for path in split.FILES.values()}
    assert "holdout3.jsonl" not in names
    assert "holdout3.jsonl" in check_corpus.FILES
    assert len(split.read(HERE / "holdout3.jsonl")) >= 100


def test_every_record_is_sound():
    bad = [f"{rec['id']}: {p}" for rec in _records() for p in check_corpus.problems(rec)]
    assert bad == []


def test_no_duplicates():
    assert check_corpus.duplicates(_records()) == []


def test_every_record_is_on_its_side():
    for name, path in split.FILES.items():
        assert all(split.side(rec) == name for rec in split.read(path))


def test_the_split_is_about_sixty_forty():
    dev, holdout = (len(split.read(p)) for p in split.FILES.values())
    assert dev + holdout >= 80
    assert 0.5 <= dev / (dev + holdout) <= 0.7


def test_a_bad_spec_is_caught():
    rec = dict(_records()[0], expected_spec='strategy "x"\nuniverse GOOG\nlong when close >\n',
               expressible=True)
    assert any("does not parse" in p for p in check_corpus.problems(rec))


def test_a_fact_that_disagrees_with_the_spec_is_caught():
    rec = next(r for r in _records() if r["expected_spec"] and r["facts"]["timeframe"] == "1d")
    rec = dict(rec, facts=dict(rec["facts"], timeframe="1h"))
    assert any("timeframe" in p for p in check_corpus.problems(rec))


def test_every_expected_spec_fires_on_the_bundled_data():
    silent = [rec["id"] for rec in _records()
              if rec["expected_spec"] and not behaviour.signals(rec["expected_spec"])]
    assert silent == []


def test_behaviour_tells_different_rules_apart():
    base = 'strategy "x"\nuniverse SPY\ntimeframe 1d\nlong when close > sma(close, 20)\n'
    assert behaviour.same_behaviour(base, base.replace("SPY", "QQQ"))
    assert not behaviour.same_behaviour(base, base.replace("20)", "50)"))
