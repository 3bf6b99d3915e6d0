"""Formatting a spec file: canonical statements, with the author's comments kept.

A comment block travels with the statement below it; an inline comment stays on its
statement's line; comments after the last statement stay at the end.
"""

from __future__ import annotations

import re

from app.dsl.diagnostics import SpecError
from app.dsl.parser import analyse
from app.dsl.printer import format_spec, statement_key

_INLINE = re.compile(r'^((?:[^"#]|"(?:[^"\\]|\\.)*")*?)\s*(#.*)$')


def format_text(text: str, path: str = "<spec>") -> str:
    """Canonical text for a spec file; raises SpecError (nothing rewritten) when invalid."""
    spec, diagnostics = analyse(text)
    if diagnostics or spec is None:
        raise SpecError(diagnostics, text, path)
    leading, inline, trailer = _comments(text)
    out: list[str] = []
    for line in format_spec(spec).splitlines():
        key = statement_key(line)
        key = key if key in leading or key in inline else _exit_alias(key)
        out += leading.pop(key, [])
        note = inline.pop(key, "")
        out.append(f"{line}  {note}" if note else line)
    orphans = [c for block in leading.values() for c in block] + list(inline.values())
    return "\n".join(out + orphans + trailer) + "\n"


def _exit_alias(key: str) -> str:
    return "exit" if key in ("long_exit", "short_exit") else key


def _comments(text: str) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    leading: dict[str, list[str]] = {}
    inline: dict[str, str] = {}
    pending: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        if not stripped:
            continue
        match = _INLINE.match(line)
        if line[:1] not in (" ", "\t"):
            current = statement_key(line.lstrip())
            current = _key_of(line, current)
            if pending:
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
