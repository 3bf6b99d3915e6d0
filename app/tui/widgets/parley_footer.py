"""Textual's Footer, fitted to the terminal's width, minus the restyling it does each time
it is rebuilt.

Fitting: Textual's footer lays its keys out in one row and cuts whatever passes the right
edge (at 80 and at 120 columns, keys were cut in half). This footer never cuts a key. It
hides the key of the screen already shown, then, until the rest fit, tightens the spacing
(Textual's compact style) and drops keys, the least needed first: other screens' keys from
the last, then the screen's own from the last. The screen's first keys, F1 help and the
command palette (where every command is) always stay. It refits when the terminal is
resized.

Restyling: the footer rebuilds its keys whenever the screen's bindings change (every focus
change). A ``FooterKey`` starts with ``compact = True`` (its watcher adds the ``-compact``
class and restyles the key), then the footer's data binding sets it to ``False`` as it
mounts (the class goes, the key restyles again): two style passes a key, a dozen keys a
rebuild, measured at about a fifth of the TUI tests' time. Setting each key's reactive to
the chosen value before it mounts skips both passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEEP = ("help", "kill", "flatten_stop")
"""Actions whose keys are never dropped (besides the palette's): help and the kill switches."""


@dataclass(frozen=True)
class KeyInfo:
    """What fitting needs to know of one footer key."""

    key: str
    description: str
    action: str

    def width(self, compact: bool) -> int:
        """Cells the key takes: Textual's FooterKey padding, plus the compact margin."""
        if compact:
            return len(self.key) + 1 + len(self.description) + 1
        return 1 + len(self.key) + 1 + len(self.description) + 1

    @property
    def is_mode(self) -> bool:
        return self.action.startswith("switch_mode(")


def palette_width(key: KeyInfo | None) -> int:
    """The palette key: always in the compact style, docked right after a one-cell border,
    with one cell after it (padding, or the compact footer's margin)."""
    return 0 if key is None else len(key.key) + 1 + len(key.description) + 2


def fit(
    keys: Sequence[KeyInfo], palette: KeyInfo | None, width: int, mode: str
) -> tuple[bool, set[int]]:
    """(compact, indices of ``keys`` to hide) so that the rest fit in ``width`` cells."""
    hidden = {i for i, k in enumerate(keys) if k.action == f"switch_mode('{mode}')"}
    for compact in (False, True):
        if _used(keys, hidden, palette, compact) <= width:
            return compact, hidden
    order = [i for i in reversed(range(len(keys))) if keys[i].is_mode]
    order += [
        i for i in reversed(range(len(keys))) if not keys[i].is_mode and keys[i].action not in KEEP
    ]
    for i in order[:-1]:  # the screen's first key always stays
        if i in hidden:
            continue
        hidden.add(i)
        if _used(keys, hidden, palette, True) <= width:
            break
    return True, hidden


def _used(keys: Sequence[KeyInfo], hidden: set[int], palette: KeyInfo | None, compact: bool) -> int:
    shown = sum(k.width(compact) for i, k in enumerate(keys) if i not in hidden)
    return shown + palette_width(palette)


class ParleyFooter(Footer):
    """A drop-in ``Footer``: the same keys, each whole, as many as the width holds."""

    def __init__(self) -> None:
        super().__init__()
        self._fitted_width = -1

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [
            w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")
        ]
        palette = next(
            (w for w in widgets if isinstance(w, FooterKey) and w.has_class("-command-palette")),
            None,
        )
        width = self.size.width
        self._fitted_width = width
        compact, hidden = fit(
            [_info(k) for k in keys],
            _info(palette) if palette else None,
            width,
            str(getattr(self.app, "current_mode", "")),
        )
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact", update=False)
        for i, widget in enumerate(keys):
            widget.set_reactive(FooterKey.compact, compact)
            widget.set_class(compact, "-compact", update=False)
            widget.display = i not in hidden
        yield from widgets

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)


def _info(widget: FooterKey) -> KeyInfo:
    return KeyInfo(widget.key_display, widget.description, widget.action)
