"""Editor: a spec as text, checked as you type, formatted on demand, saved only when valid
(or explicitly as a draft, ``<name>.strategy.draft``), explained in plain English, and
carried into the chat to revise in English."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import TextArea

from app.dsl import analyse
from app.dsl.diagnostics import Diagnostic, SpecError
from app.dsl.formatting import format_text
from app.spec.readback import read_back
from app.tui.library import is_draft, name_in, slugify
from app.tui.messages import BacktestRequested, ReviseInChat, SpecSaved
from app.tui.screens.base import ParleyScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.name_modal import NameModal
from app.tui.services import Services
from app.tui.widgets.dsl_editor import DslEditor
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.problems_panel import ProblemsPanel
from app.tui.widgets.readback_view import ReadbackView
from app.tui.widgets.status_line import StatusLine

TEMPLATE = """\
# A new strategy. Write it in the strategy language (F1 shows the statements),
# or describe it in English in the chat (F2).
strategy "My strategy"
universe AAPL
timeframe 1d
long when sma(close, 20) crosses above sma(close, 50)
exit when sma(close, 20) crosses below sma(close, 50)
stop loss 5%
"""


class EditorScreen(ParleyScreen):
    """The spec text on the left, its read-back (explain) on the right, problems below."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "save_draft", "Draft"),
        Binding("ctrl+f", "format", "Format"),
        Binding("ctrl+l", "explain", "Explain"),
        Binding("ctrl+g", "revise", "Revise"),
        Binding("ctrl+b", "backtest", "Backtest"),
        Binding("f8", "next_problem", "Problem", show=False),
    ]

    CHECK_DELAY: ClassVar[float] = 0.3
    """Seconds of quiet typing before the spec is checked again."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.path: Path | None = None
        self.saved_text = ""
        self.problems: list[Diagnostic] = []
        self._check_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine("Editor", self.services.modes, id="status")
        with Horizontal(id="editor-body"):
            with Vertical(id="editing"):
                yield DslEditor(TEMPLATE, id="source")
                yield ProblemsPanel(id="problems")
            with VerticalScroll(id="explain"):
                yield ReadbackView("Nothing to explain until the spec is valid.", id="explanation")
        yield ParleyFooter()

    @property
    def editor(self) -> DslEditor:
        return self.query_one(DslEditor)

    def on_mount(self) -> None:
        self.query_one("#explain").border_title = "Explain: the read-back"
        self.saved_text = TEMPLATE
        self.check()
        self.editor.focus()

    # -- opening --------------------------------------------------------------------------

    def open_text(self, text: str, path: Path | None) -> None:
        """Show this text (read from ``path``, or new when None), checked at once."""
        self.path = path
        self.saved_text = text if path is not None else ""
        self.editor.load_text(text)
        self.check()
        self.editor.move_cursor((0, 0))
        self.editor.focus()

    def is_dirty(self) -> bool:
        return self.editor.text != self.saved_text

    # -- live checking --------------------------------------------------------------------

    @on(TextArea.Changed, "#source")
    def _changed(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(self.CHECK_DELAY, self.check)
        self._show_title()

    def check(self) -> None:
        """Check the text now: underline problems, list them, refresh the explanation."""
        spec, problems = analyse(self.editor.text)
        self.problems = problems
        self.editor.set_diagnostics(problems)
        self.query_one(ProblemsPanel).show(problems)
        explanation = self.query_one(ReadbackView)
        explanation.show(read_back(spec) if spec is not None else "")
        self._show_title()

    def _show_title(self) -> None:
        name = self.path.name if self.path is not None else "new spec (unsaved)"
        marks = [name + (" ●" if self.is_dirty() else "")]
        if self.problems:
            marks.append(f"{len(self.problems)} problem{'s' if len(self.problems) > 1 else ''}")
        elif is_draft(self.path or Path()):
            marks.append("draft")
        self.query_one(StatusLine).detail = " · ".join(marks)

    @on(ProblemsPanel.JumpTo)
    def _jump(self, event: ProblemsPanel.JumpTo) -> None:
        self.editor.jump_to(event.problem.line, event.problem.column)

    def action_next_problem(self) -> None:
        row = self.editor.cursor_location[0] + 1
        later = [p for p in self.problems if p.line > row] or self.problems
        if later:
            self.editor.jump_to(later[0].line, later[0].column)

    # -- commands -------------------------------------------------------------------------

    def action_format(self) -> None:
        try:
            formatted = format_text(self.editor.text)
        except SpecError as err:
            self.check()
            self.notify(
                f"Not formatted: fix the {len(err.diagnostics)} problem(s) first.",
                severity="warning",
            )
            return
        if formatted != self.editor.text:
            row = self.editor.cursor_location[0]
            self.editor.replace(formatted, (0, 0), self.editor.document.end)
            self.editor.move_cursor((min(row, self.editor.document.line_count - 1), 0))
        self.check()
        self.notify("Formatted.")

    def action_explain(self) -> None:
        self.toggle_class("-explain")

    def action_revise(self) -> None:
        spec, problems = analyse(self.editor.text)
        if spec is None:
            self.notify(
                f"Fix the {len(problems)} problem(s) first: the chat revises a valid spec.",
                severity="warning",
            )
            return
        source = self.path.name if self.path is not None else "the editor"
        self.post_message(ReviseInChat(self.editor.text, source))

    def action_backtest(self) -> None:
        spec, problems = analyse(self.editor.text)
        if spec is None:
            self.notify(
                f"Fix the {len(problems)} problem(s) first: only a valid spec can be backtested.",
                severity="warning",
            )
            return
        source = self.path.name if self.path is not None else "the editor"
        self.post_message(BacktestRequested(self.editor.text, source))

    def action_save(self) -> None:
        """Save a valid spec; an invalid one only as a draft, after asking."""
        self.check()
        if self.problems:
            count = len(self.problems)
            self.app.push_screen(
                ConfirmModal(
                    "Not valid",
                    f"The spec has {count} problem{'s' if count > 1 else ''}, so it "
                    "cannot be saved as a spec. Save it as a draft instead? Drafts are never run "
                    "or checked.",
                    confirm="Save draft",
                ),
                lambda yes: self.action_save_draft() if yes else None,
            )
            return
        self._with_path(draft=False)

    def action_save_draft(self) -> None:
        self._with_path(draft=True)

    def _with_path(self, draft: bool) -> None:
        """Find where to save (asking for a name when the spec is new), then save."""
        if self.path is not None:
            self._save_to(self._target(self.path, draft), draft)
            return
        suggestion = name_in(self.editor.text) or "untitled"

        def named(name: str | None) -> None:
            if name:
                self._save_to(self.services.library.path_for(name, draft=draft), draft)

        self.app.push_screen(
            NameModal(
                "Save draft as" if draft else "Save as",
                f"Name of the file in {self.services.library.folder}/ (a slug is made from it)",
                slugify(suggestion),
            ),
            named,
        )

    def _target(self, path: Path, draft: bool) -> Path:
        library = self.services.library
        return library.draft_path(path) if draft else library.spec_path(path)

    def _save_to(self, target: Path, draft: bool) -> None:
        text = self.editor.text
        own = () if self.path is None else (self.path, self.services.library.spec_path(self.path))
        if target.exists() and target not in own:

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.write_spec(target, text, draft, self.path)

            self.app.push_screen(
                ConfirmModal(
                    "Overwrite?", f"{target} already exists. Replace it?", confirm="Overwrite"
                ),
                confirmed,
            )
        else:
            self.write_spec(target, text, draft, self.path)

    @work(thread=True, exit_on_error=False, group="save", description="Saving the spec")
    def write_spec(self, target: Path, text: str, draft: bool, opened: Path | None) -> None:
        """Write a draft as is, or a spec after checking it (its draft is then removed)."""
        library = self.services.library
        if draft:
            library.write(target, text, overwrite=True)
        else:
            library.save_valid(target, text, overwrite=True)
            if opened is not None and opened != target:
                library.discard_draft(opened)
        self.post_message(SpecSaved(target))

    @on(SpecSaved)
    def _saved(self, event: SpecSaved) -> None:
        self.path = event.path
        self.saved_text = self.editor.text
        self._show_title()
        self.notify(f"Saved {event.path}")

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Save spec", "Save the spec (only when valid)", "save"),
            ("Save as draft", "Save as <name>.strategy.draft, valid or not", "save_draft"),
            ("Format spec", "Canonical formatting, comments kept", "format"),
            ("Explain spec", "Show or hide the plain-English read-back", "explain"),
            ("Revise in chat", "Carry this spec into the chat", "revise"),
            ("Backtest spec", "Backtest this spec on the bundled data", "backtest"),
            ("Next problem", "Jump to the next problem", "next_problem"),
        ]
