"""ParleyApp: the modes (chat, library, editor, backtest, monitor), global keys, routing
and the one error path.

Screens post app-wide messages (:mod:`app.tui.messages`); this class routes them: it switches
mode, opens a spec in the editor, carries a spec into the chat, hands a spec to the backtest
screen, and starts a run from the monitor. Every worker failure arrives at
:meth:`_worker_failed` and is shown by :meth:`show_error`, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from app.errors import ParleyError
from app.tui.commands import ParleyCommands
from app.tui.messages import (
    BacktestRequested,
    OpenSpec,
    ReviseInChat,
    RunRequested,
    SpecSaved,
)
from app.tui.screens.backtest import BacktestScreen
from app.tui.screens.chat import ChatScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.editor import TEMPLATE, EditorScreen
from app.tui.screens.error_modal import ErrorModal
from app.tui.screens.library import LibraryScreen
from app.tui.screens.monitor import MonitorScreen
from app.tui.services import Services

DARK, LIGHT = "textual-dark", "textual-light"


class ParleyApp(App[None]):
    """The TUI over injected :class:`~app.tui.services.Services`."""

    CSS_PATH = "app.tcss"
    TITLE = "Parley"
    COMMANDS = App.COMMANDS | {ParleyCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    CURSOR_BLINK: ClassVar[bool] = True
    """Tests and screenshots turn blinking off so frames are reproducible."""

    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "switch_mode('chat')", "Chat"),
        Binding("f3", "switch_mode('library')", "Library"),
        Binding("f4", "switch_mode('editor')", "Editor"),
        Binding("f5", "switch_mode('backtest')", "Backtest"),
        Binding("f6", "switch_mode('monitor')", "Monitor"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
    ]

    def __init__(self, services: Services, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.services = services
        self.CURSOR_BLINK = cursor_blink  # type: ignore[misc]
        self.screens_by_mode: dict[str, Screen[None]] = {}
        for mode, cls in (
            ("chat", ChatScreen),
            ("library", LibraryScreen),
            ("editor", EditorScreen),
            ("backtest", BacktestScreen),
            ("monitor", MonitorScreen),
        ):
            self.add_mode(mode, self._factory(mode, cls))

    def _factory(
        self, mode: str, cls: Callable[[Services], Screen[None]]
    ) -> Callable[[], Screen[None]]:
        def make() -> Screen[None]:
            screen = self.screens_by_mode[mode] = cls(self.services)
            return screen

        return make

    def on_mount(self) -> None:
        self.theme = DARK
        self.switch_mode("chat")

    async def show_mode(self, mode: str) -> Screen[None]:
        """Switch to a mode and return its base screen, mounted."""
        await self.switch_mode(mode)
        return self.screens_by_mode[mode]

    # -- global actions -------------------------------------------------------------------

    def action_help(self) -> None:
        from app.tui.screens.help import HelpScreen  # Markdown: only when asked for

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Quit, after asking when the editor holds unsaved changes."""
        editor = self.screens_by_mode.get("editor")
        if isinstance(editor, EditorScreen) and editor.is_mounted and editor.is_dirty():
            name = editor.path.name if editor.path else "The new spec"

            def answered(yes: bool | None) -> None:
                if yes:
                    self.exit()

            self.push_screen(
                ConfirmModal(
                    "Quit?", f"{name} has unsaved changes. Quit and lose them?", confirm="Quit"
                ),
                answered,
            )
            return
        self.exit()

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_new_spec(self) -> None:
        self.post_message(OpenSpec(None, TEMPLATE))

    # -- routing --------------------------------------------------------------------------

    @on(OpenSpec)
    async def _open_spec(self, event: OpenSpec) -> None:
        try:
            text = (
                event.text
                if event.text is not None
                else self.services.library.read(event.path)
                if event.path
                else TEMPLATE
            )
        except ParleyError as err:
            self.show_error(err)
            return
        editor = await self.show_mode("editor")
        assert isinstance(editor, EditorScreen)
        if editor.is_dirty() and editor.editor.text != text:
            name = editor.path.name if editor.path else "the new spec"
            self.push_screen(
                ConfirmModal(
                    "Discard changes?",
                    f"{name} has unsaved changes. Discard them and open "
                    f"{event.path.name if event.path else 'the other spec'}?",
                    confirm="Discard",
                ),
                lambda yes: editor.open_text(text, event.path) if yes else None,
            )
            return
        editor.open_text(text, event.path)

    @on(ReviseInChat)
    async def _revise(self, event: ReviseInChat) -> None:
        chat = await self.show_mode("chat")
        assert isinstance(chat, ChatScreen)
        chat.continue_from(event.spec_text, event.source)

    @on(SpecSaved)
    def _saved(self, event: SpecSaved) -> None:
        library = self.screens_by_mode.get("library")
        if isinstance(library, LibraryScreen) and library.is_mounted:
            library.refresh_library()

    @on(BacktestRequested)
    async def _backtest(self, event: BacktestRequested) -> None:
        screen = await self.show_mode("backtest")
        assert isinstance(screen, BacktestScreen)
        screen.start(event.spec_text, event.source)

    @on(RunRequested)
    async def _run(self, event: RunRequested) -> None:
        screen = await self.show_mode("monitor")
        assert isinstance(screen, MonitorScreen)
        screen.start_run(event.spec_text, event.source, event.speed)

    async def action_kill_switch(self) -> None:
        """The kill switch, from anywhere: opens the monitor and asks to type KILL."""
        screen = await self.show_mode("monitor")
        assert isinstance(screen, MonitorScreen)
        screen.action_kill()

    async def action_flatten_stop(self) -> None:
        """Flatten and stop, from anywhere: opens the monitor and asks to type FLATTEN."""
        screen = await self.show_mode("monitor")
        assert isinstance(screen, MonitorScreen)
        screen.action_flatten_stop()

    # -- the one error path ---------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error, event.worker.description)

    def show_error(self, error: BaseException, doing: str = "") -> None:
        """Show an error in the error modal: a ParleyError's message, or a plain note."""
        if isinstance(error, ParleyError):
            title = getattr(error, "title", "") or (f"{doing} failed" if doing else "Error")
            message = error.render() if hasattr(error, "render") else error.message
            self.push_screen(ErrorModal(title, message, error.hint))
            return
        self.log.error(error)
        self.push_screen(
            ErrorModal(
                f"{doing} failed" if doing else "Unexpected error",
                f"{type(error).__name__}: {error}",
                "This is a bug in Parley, not something you did. The details are in the log "
                "(run with textual console to see them).",
            )
        )


__all__ = ["ParleyApp"]
