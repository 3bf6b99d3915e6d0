"""Parley's state: SQLite by default (WAL), PostgreSQL through a database URL.

:class:`~app.store.repo.Store` is the one door; rows live in :mod:`app.store.tables`,
converters in :mod:`app.store.convert`, the agents' memory in :mod:`app.store.lessons`.
"""

from __future__ import annotations

from app.store.repo import BarCommit, Store

__all__ = ["Store", "BarCommit"]
