"""Chat: describe a strategy in English on the left; the compiled spec, its read-back, open
questions, the diff of the last revision and which compiler answered on the right."""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from app.tui.messages import (
    BacktestRequested,
    CompileStreamed,
    OpenSpec,
    RunRequested,
    SpecCompiled,
    SpecSaved,
)
from app.tui.screens.base import ParleyScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.services import ChatState, Services
from app.tui.widgets.chat_log import ChatLog
from app.tui.widgets.diff_view import DiffView
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.prompt_input import PromptInput
from app.tui.widgets.questions_view import QuestionsView
from app.tui.widgets.readback_view import ReadbackView
from app.tui.widgets.spec_view import SpecView
from app.tui.widgets.status_line import StatusLine


class ChatScreen(ParleyScreen):
    """The first screen of ``parley``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+n", "new", "New"),
        Binding("ctrl+o", "edit", "Edit"),
        Binding("ctrl+b", "backtest", "Backtest"),
        Binding("ctrl+r", "run", "Run"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusLine("Chat", self.services.modes, id="status")
        with Horizontal(id="chat-body"):
            with Vertical(id="conversation"):
                yield ChatLog(id="log")
                yield LoadingIndicator(id="compiling")
                yield PromptInput(id="prompt")
            with VerticalScroll(id="current"):
                yield Static("", id="compiled-by")
                yield SpecView("No spec yet: describe a strategy on the left.", id="spec")
                yield QuestionsView(id="questions")
                yield DiffView(id="diff")
                yield ReadbackView(id="readback")
        yield ParleyFooter()

    def on_mount(self) -> None:
        self.query_one("#current").border_title = "Current spec"
        self.query_one("#readback").border_title = "Read-back"
        self.query_one("#diff").border_title = "Changes in the last revision"
        prompt = self.query_one(PromptInput)
        prompt.cursor_blink = getattr(self.app, "CURSOR_BLINK", True)
        self.query_one(ChatLog).reset(self.services.chat.turns())
        self.show_state(self.services.chat.state())
        prompt.focus()

    # -- showing --------------------------------------------------------------------------

    def show_state(self, state: ChatState) -> None:
        self.query_one(SpecView).show(state.spec_text or state.draft)
        self.query_one("#current").border_title = (
            "Draft: answer the questions to complete it"
            if state.spec_text is None and state.draft
            else "Current spec"
        )
        self.query_one(QuestionsView).show(state.questions, state.assumptions)
        self.query_one(ReadbackView).show(state.readback)
        self.query_one(DiffView).show(state.diff)
        self.query_one("#compiled-by", Static).update(_compiled_by(state))

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        # The indicator alone changes: a class on the screen would restyle every widget.
        self.query_one("#compiling").set_class(busy, "-busy")
        self.query_one(StatusLine).detail = "compiling…" if busy else ""

    # -- the conversation -----------------------------------------------------------------

    @on(PromptInput.Sent)
    def _sent(self, event: PromptInput.Sent) -> None:
        if self.busy:
            self.notify("Still compiling the last message…", severity="warning")
            return
        self.query_one(ChatLog).add_turn_text("user", event.text)
        self.set_busy(True)
        self.compile_turn(event.text)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="compile",
        description="Compiling your strategy",
    )
    def compile_turn(self, text: str) -> None:
        """Send one turn to the conversation; stream progress, post the result."""
        streamed: list[str] = []

        def on_text(chunk: str) -> None:
            streamed.append(chunk)
            self.post_message(CompileStreamed("".join(streamed)))

        state = self.services.chat.send(text, on_text=on_text)
        self.post_message(SpecCompiled(state))

    @on(CompileStreamed)
    def _streamed(self, event: CompileStreamed) -> None:
        self.query_one(ChatLog).show_pending(event.text)

    @on(SpecCompiled)
    def _compiled(self, event: SpecCompiled) -> None:
        log = self.query_one(ChatLog)
        log.clear_pending()
        log.add_turn_text("parley", event.state.reply)
        self.show_state(event.state)
        self.set_busy(False)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Clear the busy state when a compile fails; the app shows the error itself."""
        if event.worker.group == "compile" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.query_one(ChatLog).clear_pending()
            self.set_busy(False)

    # -- commands -------------------------------------------------------------------------

    @on(PromptInput.CommandEntered)
    async def _command(self, event: PromptInput.CommandEntered) -> None:
        actions: dict[str, Callable[[], object]] = {
            "save": lambda: self.save(event.argument),
            "new": self.action_new,
            "backtest": self.action_backtest,
            "run": lambda: self.run(event.argument),
            "edit": self.action_edit,
            "help": lambda: self.app.run_action("help"),
        }
        action = actions.get(event.name)
        if action is None:
            self.query_one(ChatLog).add_note(
                f"Unknown command /{event.name}. Try /save, /new, /edit, /backtest, /run or /help."
            )
            return
        done = action()
        if isawaitable(done):  # app actions (run_action) are coroutines
            await done

    def action_save(self) -> None:
        self.save("")

    def save(self, name: str) -> None:
        """Write the current spec to ``strategies/<slug>.strategy``; ask before overwriting."""
        state = self.services.chat.state()
        if state.spec is None or state.spec_text is None:
            self.query_one(ChatLog).add_note(
                "Nothing to save yet: answer the questions on the right first."
                if state.draft
                else "Nothing to save yet: describe a strategy first."
            )
            return
        path = self.services.library.path_for(name or state.spec.name)
        text = state.spec_text

        def write(overwrite: bool | None = True) -> None:
            if overwrite:
                self.write_spec(path, text)
            else:
                self.query_one(ChatLog).add_note(f"Not saved: {path.name} is unchanged.")

        if path.exists():
            self.app.push_screen(
                ConfirmModal(
                    "Overwrite?",
                    f"{path} already exists. Replace it with the current spec?",
                    confirm="Overwrite",
                ),
                write,
            )
        else:
            write()

    @work(thread=True, exit_on_error=False, group="save", description="Saving the spec")
    def write_spec(self, path: Path, text: str) -> None:
        self.services.library.write(path, text, overwrite=True)
        self.post_message(SpecSaved(path))

    @on(SpecSaved)
    def _saved(self, event: SpecSaved) -> None:
        self.query_one(ChatLog).add_note(f"Saved {event.path}")

    def action_new(self) -> None:
        if self.busy:
            self.notify("Wait for the compile to finish, then start over.", severity="warning")
            return
        self.show_state(self.services.chat.start_over())
        self.query_one(ChatLog).reset([])
        self.query_one(ChatLog).add_note("New conversation.")

    def action_edit(self) -> None:
        state = self.services.chat.state()
        if state.spec_text is None:
            self.query_one(ChatLog).add_note("No spec to edit yet.")
            return
        self.post_message(OpenSpec(None, text=state.spec_text))

    def action_backtest(self) -> None:
        if (text := self._spec_text("backtest")) is not None:
            self.post_message(BacktestRequested(text))

    def action_run(self) -> None:
        self.run("")

    def run(self, speed: str) -> None:
        """Start the current spec on the replay feed (``/run [bars a second|max]``)."""
        if (text := self._spec_text("run")) is not None:
            self.post_message(RunRequested(text, "the chat", speed or None))

    def _spec_text(self, verb: str) -> str | None:
        state = self.services.chat.state()
        if state.spec_text is None:
            self.query_one(ChatLog).add_note(
                f"Nothing to {verb} yet: "
                + (
                    "answer the questions on the right first."
                    if state.draft
                    else "describe a strategy first."
                )
            )
        return state.spec_text

    def continue_from(self, spec_text: str, source: str) -> None:
        """Start a conversation from a spec written elsewhere (the editor)."""
        state = self.services.chat.start_from(spec_text, source)
        self.query_one(ChatLog).reset(self.services.chat.turns())
        self.show_state(state)
        self.query_one(PromptInput).focus()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(name, help, action) for the command palette while this screen is shown."""
        return [
            ("Save spec", "Write the current spec to strategies/", "save"),
            ("New conversation", "Start over", "new"),
            ("Open in editor", "Edit the current spec as text", "edit"),
            ("Backtest", "Backtest the current spec", "backtest"),
            ("Run (paper)", "Run the current spec on the replay feed, paper broker", "run"),
        ]


def _compiled_by(state: ChatState) -> str:
    if state.compiler in ("", "none"):
        return ""
    who = (
        "the offline compiler"
        if state.compiler == "offline"
        else ("the LLM (" + state.compiler.removeprefix("llm:") + ")")
    )
    return f"Answered by {who}."
