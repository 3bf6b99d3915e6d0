"""Where Parley keeps its on-disk caches: the generated statement parser, the compiled
backtest kernel and the loaded CSV files.

The faces (CLI, TUI) read the settings once and call :func:`use`; the core asks
:func:`current` and never reads the environment. Until a face has said where, there is no
on-disk cache: the parser is generated in memory, the kernel is built only beside its
source, CSV files are parsed each time (slower, still right).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Caches:
    """What the caches may use."""

    root: Path | None = None
    """The caches' folder (``PARLEY_HOME/cache``); ``None``: none on disk."""
    csv: bool = True
    """Keep loaded CSV files (``PARLEY_NO_CSV_CACHE`` turns it off)."""
    built_kernel: bool = True
    """Run the ahead-of-time built kernel when it builds (``PARLEY_KERNEL=jit``: never)."""

    def folder(self, name: str) -> Path | None:
        """The folder of one cache, or ``None`` when there is none on disk."""
        return None if self.root is None else self.root / name


_current = Caches()


def use(caches: Caches) -> Caches:
    """Set the caches for this process (the faces, once, before the core loads); returns
    the previous ones, so a test can put them back."""
    global _current
    previous, _current = _current, caches
    return previous


def current() -> Caches:
    return _current
