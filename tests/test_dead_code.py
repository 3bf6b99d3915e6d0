"""No dead code in ``app/``: vulture finds nothing beyond ``vulture_whitelist.py``.

Only ``app/`` is scanned, so code that only the tests call counts as dead. The whitelist
names what frameworks call by name; the transformers' methods are checked against the
rule and alias names of the grammars they serve.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import vulture

from tests.vulture_whitelist import FRAMEWORK_NAMES, IGNORE_DECORATORS, NOT_YET_REMOVED

ROOT = Path(__file__).resolve().parents[1]
GRAMMARS = (
    ROOT / "grammar" / "strategy.lark",
    ROOT / "app" / "compiler" / "offline" / "phrases.lark",
)
_RULE = re.compile(r"^\s*[?!]*([a-z_][a-z0-9_]*)\s*(?:\.-?\d+)?\s*:", re.M)
_ALIAS = re.compile(r"->\s*([a-z_][a-z0-9_]*)")


def grammar_names() -> set[str]:
    """Every rule and alias name: the methods a Lark transformer is called by."""
    names: set[str] = set()
    for path in GRAMMARS:
        text = path.read_text(encoding="utf-8")
        names |= set(_RULE.findall(text)) | set(_ALIAS.findall(text))
    return names


@cache
def unused() -> frozenset[tuple[str, str]]:
    """(file, name) of everything vulture calls unused, transformer methods aside."""
    found = vulture.Vulture(
        ignore_names=sorted(grammar_names()), ignore_decorators=list(IGNORE_DECORATORS)
    )
    found.scavenge([str(ROOT / "app")])
    return frozenset(
        (Path(item.filename).resolve().relative_to(ROOT).as_posix(), item.name)
        for item in found.get_unused_code(min_confidence=60)
    )


def test_grammar_names_are_read() -> None:
    names = grammar_names()
    assert {"binop", "and_", "size_risk_pct", "compare_it", "stop_unsaid"} <= names


def test_no_dead_code_in_app() -> None:
    report = {
        (file, name)
        for file, name in unused()
        if not any(fnmatchcase(name, pattern) for pattern in FRAMEWORK_NAMES)
    }
    new = sorted(report - set(NOT_YET_REMOVED))
    assert not new, (
        "vulture: unused code (remove it, or add a framework-called name to "
        f"tests/vulture_whitelist.py with why): {new}"
    )
    gone = sorted(set(NOT_YET_REMOVED) - report)
    assert not gone, f"no longer dead: drop these from NOT_YET_REMOVED: {gone}"


def test_each_whitelisted_name_is_still_needed() -> None:
    """A whitelist entry nothing in app/ needs any more is deleted, not kept "just in case"."""
    reported = {name for _, name in unused()}
    exact = [name for name in FRAMEWORK_NAMES if "*" not in name]
    stale = [name for name in exact if name not in reported]
    assert not stale, f"whitelisted but not reported by vulture: {stale}"
