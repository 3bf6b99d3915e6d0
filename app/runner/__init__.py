"""Strategies running live: the runner loop (:mod:`~app.runner.runner`), its events,
book, limits and the process control behind ``parley run``/``resume``/``stop``."""

from __future__ import annotations

from app.runner.runner import Runner, RunnerOptions

__all__ = ["Runner", "RunnerOptions"]
