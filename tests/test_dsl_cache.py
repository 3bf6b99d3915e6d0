"""The built parser is cached between processes, keyed by the grammar, and never required."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.dsl.grammar import cache_file, grammar_text
from tests.conftest import ROOT

CHECK = ("from app.dsl import analyse\n"
         "spec, d = analyse(open('strategies/golden_cross.strategy').read())\n"
         "bad, d2 = analyse('strategy \"x\"\\nuniverse GOOG\\n'\n"
         "                  'long when close crosses aboveabc open\\n')\n"
         "print(spec is not None, d2[0].message.split(':')[0])\n")


def _check(home: str) -> str:
    env = {**os.environ, "PARLEY_HOME": home, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_cache_is_written_once_and_read_after(tmp_path: Path) -> None:
    assert _check(str(tmp_path)) == "True unexpected 'aboveabc'"
    [built] = list((tmp_path / "cache" / "grammar").iterdir())
    stamp = built.stat().st_mtime_ns
    assert _check(str(tmp_path)) == "True unexpected 'aboveabc'"
    assert built.stat().st_mtime_ns == stamp  # loaded, not rebuilt


def test_the_cache_is_named_by_the_grammar(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path))
    text = grammar_text()
    assert cache_file(text, False) == cache_file(text, False)
    assert cache_file(text, False) != cache_file(text + "\n// changed\n", False)
    assert cache_file(text, False) != cache_file(text, True)


def test_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    _check(str(tmp_path))
    [built] = list((tmp_path / "cache" / "grammar").iterdir())
    built.write_bytes(b"not a parser")
    assert _check(str(tmp_path)) == "True unexpected 'aboveabc'"
    assert built.stat().st_size > 1000


@pytest.mark.parametrize("home", ["file", "missing-parent"])
def test_no_usable_cache_folder_still_parses(tmp_path: Path, home: str) -> None:
    target = tmp_path / "home"
    if home == "file":
        target.write_text("a file where the folder would be")
    else:
        target = Path("/dev/null/parley")
    assert _check(str(target)) == "True unexpected 'aboveabc'"


def test_a_read_only_folder_with_a_cache_uses_it(tmp_path: Path, monkeypatch) -> None:
    _check(str(tmp_path))
    folder = tmp_path / "cache" / "grammar"
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path))
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    [built] = list(folder.iterdir())
    assert cache_file(grammar_text(), False) == str(built)
    assert cache_file(grammar_text(), True) is None  # nothing there, nowhere to write
