"""A TextArea for the strategy language: highlighting and error underlines, no tree-sitter.

The grammar has no tree-sitter parser, so the editor fills TextArea's highlight map itself
from :func:`app.tui.highlight.tokens` (the same tokens the read-only spec view colours) and
adds an ``parley.error`` span at each diagnostic's line and column. Colours come from the
app theme and follow it when the user switches between light and dark.
"""

from __future__ import annotations

import dataclasses

from rich.style import Style
from textual.binding import Binding
from textual.color import Color
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from app.dsl.diagnostics import Diagnostic
from app.tui.highlight import TOKEN_STYLES, tokens

ERROR = "parley.error"


class DslEditor(TextArea):
    """Edits spec text; :meth:`set_diagnostics` underlines the problems found."""

    BINDINGS = [Binding("f6", "app.switch_mode('monitor')", "Monitor", show=False)]
    """F6 opens the monitor here too (TextArea would select the line)."""

    DEFAULT_CSS = """
    DslEditor { height: 1fr; border: tall $border-blurred; }
    DslEditor:focus { border: tall $border; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        self.diagnostics: list[Diagnostic] = []
        super().__init__(text, soft_wrap=True, show_line_numbers=True, id=id)

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "CURSOR_BLINK", True)
        self._apply_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._apply_theme())

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        self._build_highlight_map()
        self.refresh()

    def jump_to(self, line: int, column: int) -> None:
        """Put the cursor at a 1-based line and column, and focus the editor."""
        self.cursor_location = (max(0, line - 1), max(0, column - 1))
        self.scroll_cursor_visible(center=True)
        self.focus()

    def _apply_theme(self) -> None:
        variables = self.app.theme_variables
        background = Color.parse(variables["background"])
        styles = {
            kind: _style(variables[var], extra, background)
            for kind, (var, extra) in TOKEN_STYLES.items()
        }
        styles[ERROR] = Style(underline=True, bgcolor=variables["error-muted"])
        base = TextAreaTheme.get_builtin_theme("css")
        assert base is not None
        self.register_theme(dataclasses.replace(base, name="parley", syntax_styles=styles))
        self.theme = "parley"

    def _build_highlight_map(self) -> None:
        """Fill TextArea's highlight map (byte offsets per line) from our tokenizer."""
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        lines = self.document.lines
        for row, line in enumerate(lines):
            for start, end, kind in tokens(line):
                highlights[row].append((_byte(line, start), _byte(line, end), kind))
        for problem in self.diagnostics:
            row = problem.line - 1
            if 0 <= row < len(lines):
                line = lines[row]
                start = min(problem.column - 1, len(line))
                end = min(start + max(1, problem.length), len(line) + 1)
                highlights[row].append((_byte(line, start), _byte(line, end), ERROR))


def _byte(line: str, index: int) -> int:
    return len(line[:index].encode("utf-8")) + max(0, index - len(line))


def _style(color: str, extra: str, background: Color) -> Style:
    parsed = Color.parse(color)
    if parsed.a < 1:
        parsed = background.blend(parsed.with_alpha(1.0), parsed.a)
    return Style(color=parsed.rich_color, bold="bold" in extra, italic="italic" in extra)
