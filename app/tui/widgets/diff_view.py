"""The diff of the last revision of the spec: added lines green, removed lines red."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

_STYLES = {
    "+": "$text-success",
    "-": "$text-error",
    "@": "$foreground-muted",
    " ": "$foreground-muted",
}


class DiffView(Static):
    """A unified diff (no file headers), or nothing when the spec is new or unchanged."""

    DEFAULT_CSS = """
    DiffView { padding: 0 1; }
    DiffView.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-empty")

    def show(self, diff: str) -> None:
        self.set_class(not diff, "-empty")
        lines = [
            Content.styled(line, _STYLES.get(line[:1], ""))
            for line in diff.splitlines()
            if not line.startswith(("---", "+++"))
        ]
        self.update(Content("\n").join(lines) if lines else "")
