"""The clarifying questions still open, and the defaults the compiler stated."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class QuestionsView(Static):
    """A short list; hidden (``-empty``) when nothing is open or assumed."""

    DEFAULT_CSS = """
    QuestionsView { padding: 0 1; }
    QuestionsView.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-empty")

    def show(self, questions: tuple[str, ...], assumptions: tuple[str, ...] = ()) -> None:
        parts: list[Content | str] = []
        for question in questions:
            parts += [Content.styled("? ", "bold $text-warning"), question, "\n"]
        for assumption in assumptions:
            parts += [Content.styled("· assumed ", "$foreground-muted"), assumption, "\n"]
        self.set_class(not parts, "-empty")
        self.border_title = ("Open questions" if questions else "") + (
            " and assumptions"
            if questions and assumptions
            else "Assumptions"
            if assumptions
            else ""
        )
        self.update(Content.assemble(*parts).rstrip() if parts else "")
