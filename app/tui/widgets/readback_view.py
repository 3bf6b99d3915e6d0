"""The plain-English read-back of a spec, written by code from the spec itself."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class ReadbackView(Static):
    """One paragraph per read-back line, so each rule reads on its own."""

    DEFAULT_CSS = """
    ReadbackView { padding: 0 1; }
    ReadbackView.-empty { color: $text-muted; text-style: italic; }
    """

    def __init__(
        self, placeholder: str = "The read-back appears here.", *, id: str | None = None
    ) -> None:
        super().__init__(Content(placeholder), id=id, classes="-empty")
        self.placeholder = placeholder

    def show(self, readback: str) -> None:
        self.set_class(not readback, "-empty")
        lines = [line for line in readback.splitlines() if line.strip()]
        self.update(Content("\n\n".join(lines)) if lines else Content(self.placeholder))
