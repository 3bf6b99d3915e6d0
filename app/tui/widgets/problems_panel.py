"""The problems of the spec being edited, each at its line and column; choosing one jumps."""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from app.dsl.diagnostics import Diagnostic


def describe(problem: Diagnostic) -> str:
    text = f"{problem.line}:{problem.column}  {problem.message}"
    if problem.expected:
        text += "; expected " + ", ".join(problem.expected[:6])
        text += "…" if len(problem.expected) > 6 else ""
    return text


class ProblemsPanel(OptionList):
    """Lists diagnostics; Enter or a click on one posts :class:`JumpTo`."""

    DEFAULT_CSS = """
    ProblemsPanel {
        height: auto; max-height: 8; border: tall $border-blurred;
        border-title-color: $text-warning; border-title-style: bold;
    }
    ProblemsPanel:focus { border: tall $border; }
    ProblemsPanel.-valid { border-title-color: $text-success; }
    """

    class JumpTo(Message):
        """Move the editor's cursor to this problem."""

        def __init__(self, problem: Diagnostic) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems: list[Diagnostic] = []

    def show(self, problems: list[Diagnostic], checked: bool = True) -> None:
        self.problems = list(problems)
        self.clear_options()
        self.set_class(checked and not problems, "-valid")
        if problems:
            self.border_title = f"Problems · {len(problems)}"
            self.add_options(Option(Content(describe(p))) for p in problems)
        else:
            self.border_title = "Problems"
            note = "✓ No problems: the spec is valid." if checked else "Not checked yet."
            self.add_option(Option(note, disabled=True))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.problems):
            self.post_message(self.JumpTo(self.problems[event.option_index]))
