"""Textual's Footer, minus the restyling it does each time it is rebuilt.

The footer rebuilds its keys whenever the screen's bindings change (every focus change).
A ``FooterKey`` starts with ``compact = True`` (its watcher adds the ``-compact`` class and
restyles the key), then the footer's data binding sets it to ``False`` as it mounts (the
class goes, the key restyles again): two style passes a key, a dozen keys a rebuild,
measured at about a fifth of the TUI tests' time. Setting each key's reactive to the
footer's value before it mounts skips both passes; the look is unchanged (the palette key,
which the footer does not bind, keeps its own default).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ParleyFooter(Footer):
    """A drop-in ``Footer``: same keys, same look, no class churn while composing."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget
