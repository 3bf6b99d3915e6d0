"""A spec in the strategy language, syntax-highlighted (read-only)."""

from __future__ import annotations

from textual.content import Content, Span
from textual.widgets import Static

from app.tui.highlight import content_style, tokens


def highlighted(text: str) -> Content:
    """Spec text as Content coloured by token kind, in the theme's colours."""
    spans: list[Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        spans += [
            Span(offset + start, offset + end, content_style(kind))
            for start, end, kind in tokens(line.rstrip("\n"))
        ]
        offset += len(line)
    return Content(text.rstrip("\n"), spans=spans)


class SpecView(Static):
    """Shows spec text highlighted, or a placeholder when there is no spec yet."""

    DEFAULT_CSS = """
    SpecView { padding: 0 1; }
    SpecView.-empty { color: $text-muted; text-style: italic; }
    """

    def __init__(self, placeholder: str = "No spec yet.", *, id: str | None = None) -> None:
        super().__init__(Content(placeholder), id=id, classes="-empty")
        self.placeholder = placeholder
        self.spec_text: str | None = None

    def show(self, text: str | None) -> None:
        self.spec_text = text
        self.set_class(not text, "-empty")
        self.update(highlighted(text) if text else Content(self.placeholder))
