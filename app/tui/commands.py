"""The command palette (ctrl+p): the app's commands, plus those of the screen it opened on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]

APP_COMMANDS = (
    ("Chat", "Describe and revise a strategy in English (F2)", "switch_mode('chat')"),
    ("Library", "The specs in strategies/ and their status (F3)", "switch_mode('library')"),
    ("Editor", "Edit a spec as text, checked as you type (F4)", "switch_mode('editor')"),
    ("Backtest", "The last backtest, or start one from the chat (F5)", "switch_mode('backtest')"),
    ("Monitor", "Every run: status, positions, P&L, decisions (F6)", "switch_mode('monitor')"),
    ("Kill switch", "Stop every run now (asks you to type KILL)", "kill_switch"),
    (
        "Flatten and stop",
        "Close every run's positions, then stop each run (type FLATTEN)",
        "flatten_stop",
    ),
    ("New spec", "Start a new spec in the editor", "new_spec"),
    (
        "Toggle light/dark theme",
        "Switch between the light and the dark theme (ctrl+t)",
        "toggle_theme",
    ),
    ("Help", "Keys, chat commands and the language (F1)", "help"),
)


class ParleyCommands(Provider):
    """Searches the app's commands and the current screen's ``palette_commands()``."""

    def _commands(self) -> list[Command]:
        app = self.app
        commands: list[Command] = [
            (name, help_text, partial(app.run_action, action))
            for name, help_text, action in APP_COMMANDS
        ]
        screen = self.screen
        for name, help_text, action in getattr(screen, "palette_commands", list)():
            commands.append((name, help_text, partial(screen.run_action, action)))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
