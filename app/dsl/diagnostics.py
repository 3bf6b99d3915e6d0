"""Problems found in a spec's text, located at line and column.

The same rendering serves the command line (``path:line:col: message`` with the line and a
caret), the editor's underlines and the repair prompt sent back to the LLM.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import ParleyError


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a spec text. Lines and columns count from 1."""

    line: int
    column: int
    message: str
    expected: tuple[str, ...] = ()
    length: int = 1
    """How many characters to underline."""

    def render(self, source: str, path: str = "<spec>") -> str:
        text = f"{path}:{self.line}:{self.column}: {self.message}"
        if self.expected:
            text += f"; expected {_one_of(self.expected)}"
        lines = source.splitlines()
        if 1 <= self.line <= len(lines):
            src_line = lines[self.line - 1].expandtabs(1)
            caret = " " * (self.column - 1) + "^" * max(1, min(self.length, 60))
            text += f"\n    {src_line}\n    {caret}"
        return text


def _one_of(items: tuple[str, ...]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


class SpecError(ParleyError):
    """A spec text that does not parse or does not make sense; holds every problem found."""

    title = "Invalid strategy"

    def __init__(
        self, diagnostics: list[Diagnostic], source: str = "", path: str = "<spec>"
    ) -> None:
        self.diagnostics = diagnostics
        self.source = source
        self.path = path
        super().__init__(diagnostics[0].message if diagnostics else "invalid spec")

    def render(self) -> str:
        return "\n".join(d.render(self.source, self.path) for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()
