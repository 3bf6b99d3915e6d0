"""Formatting a spec file: canonical statements, with the author's comments kept.

A comment block travels with the statement below it; an inline comment stays on its
statement's line; comments after the last statement stay at the end.
"""

from __future__ import annotations

import re

from app.dsl.diagnostics import SpecError
from app.dsl.parser import analyse
from app.dsl.printer import format_spec, statement_key

_INLINE = re.compile(r'^((?:[^"#]|"(?:[^"\\]|\\.)*")*)(#.*)$')
"""A line's code (strings may hold a #) and its comment. Greedy, with one way to match
each prefix, so a long line costs linear time (a lazy group before the spaces was quadratic)."""


def format_text(text: str, path: str = "<spec>") -> str:
    """Canonical text for a spec file; raises SpecError (nothing rewritten) when invalid."""
    spec, diagnostics = analyse(text)
    if diagnostics or spec is None:
        raise SpecError(diagnostics, text, path)
    leading, inline, trailer = _comments(text)
    out: list[str] = []
    seen: dict[str, int] = {}
    for line in format_spec(spec).splitlines():
        key = _numbered(statement_key(line), seen)
        notes: list[str] = []
        for candidate in (key, *_EXIT_ALIASES.get(key, ())):
            out += leading.pop(candidate, [])
            notes += [inline.pop(candidate)] if candidate in inline else []
        note = " ".join(notes)
        out.append(f"{line}  {note}" if note else line)
    orphans = [c for block in leading.values() for c in block] + list(inline.values())
    return "\n".join(out + orphans + trailer) + "\n"


_EXIT_ALIASES = {
    "exit": ("long_exit", "short_exit"),
    "long_exit": ("exit",),
    "short_exit": ("exit",),
}
"""The canonical text may spell an exit differently from the source (`exit long when` of a
long-only spec prints as `exit when`, and a shared `exit when` may have been written as two
side exits); their comments follow."""


def _numbered(key: str, seen: dict[str, int]) -> str:
    """``key`` for its first statement, ``key#n`` for the n-th repeat (several questions)."""
    count = seen.get(key, 0)
    seen[key] = count + 1
    return f"{key}#{count}" if count else key


def _comments(text: str) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    leading: dict[str, list[str]] = {}
    inline: dict[str, str] = {}
    pending: list[str] = []
    current: str | None = None
    seen: dict[str, int] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        if not stripped:
            continue
        match = _INLINE.match(line)
        if line[:1] not in (" ", "\t") or current is None:
            words = " ".join(line.split())
            current = _numbered(_key_of(words, statement_key(words)), seen)
        if pending and current is not None:
            # Comments above a statement, or inside it above a continuation line.
            leading.setdefault(current, []).extend(pending)
            pending = []
        if match and current is not None:
            inline[current] = (inline.get(current, "") + " " + match.group(2)).strip()
    return leading, inline, pending


def _key_of(line: str, guess: str) -> str:
    """Statement key of a source line; 'long when' and friends are already canonical."""
    word = line.split(" ", 1)[0]
    if word == "direction":
        return "direction"
    if line.startswith("exit long"):
        return "long_exit"
    if line.startswith("exit short"):
        return "short_exit"
    return guess
