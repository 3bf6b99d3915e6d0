"""Strategies running live: the runner loop (:mod:`~app.runner.runner`), its events,
book, limits and the process control behind ``parley run``/``resume``/``stop``.

``Runner`` and ``RunnerOptions`` load on first use, so the command line can import the
light ``app.runner.events`` without pulling in pandas, the store and the engine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Runner", "RunnerOptions"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from app.runner import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'app.runner' has no attribute {name!r}")
