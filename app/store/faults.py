"""Database faults as messages: a database error that is not the program's own (a file that
is not a database, a read-only store, a full disk, a server that is down) becomes a
:class:`StoreError` that says what went wrong and what to do.

:func:`watch` hooks an engine's ``handle_error`` event, so every read and write of the
store - in the CLI, the TUI and the runner - reports these faults the same way. Errors the
code handles itself (a unique key, a table another process just created) pass unchanged.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, ExceptionContext

from app.errors import ParleyError


class StoreError(ParleyError):
    """The database cannot be opened, read or written, or is of an unknown schema."""


_SQLITE = (
    (
        ("file is not a database", "malformed", "not a database"),
        "is not a readable Parley database ({why})",
        "move it aside (mv {path} {path}.broken) and Parley starts a new, "
        "empty store there, or set PARLEY_HOME to another folder",
    ),
    (
        ("readonly", "read-only"),
        "is read-only ({why}): reading works, this command writes",
        "make {folder} and the file writable, or set PARLEY_HOME to a writable folder",
    ),
    (
        ("unable to open", "disk i/o error"),
        "cannot be opened ({why})",
        "check that {folder} exists and is writable, or set PARLEY_HOME to another folder",
    ),
    (
        ("database or disk is full", "disk is full"),
        "cannot be written: the disk is full",
        "free some space on the disk that holds {folder}",
    ),
    (
        ("database is locked",),
        "is locked by another process ({why})",
        "wait for the other Parley process to finish, then retry",
    ),
)


def watch(engine: Engine) -> None:
    """Report the engine's database faults as :class:`StoreError`."""
    event.listen(engine, "handle_error", _on_error)


def _on_error(ctx: ExceptionContext) -> None:
    if ctx.is_pre_ping:
        return
    error = describe(ctx.original_exception, ctx.engine.url if ctx.engine else None)
    if error is not None:
        raise error from None


def describe(err: BaseException, url: URL | None) -> StoreError | None:
    """The message for a database fault ``err`` on ``url``; None for any other error."""
    why = " ".join(str(err).split()).rstrip(".")
    low = why.lower()
    if url is None or "unique" in low or "already exists" in low:
        return None
    if url.get_backend_name() == "sqlite":
        return _sqlite(url, why, low)
    if type(err).__name__ == "OperationalError" and "connect" in low:
        return server_down(url, why)
    return None


def _sqlite(url: URL, why: str, low: str) -> StoreError | None:
    path = sqlite_path(url)
    for needles, text, hint in _SQLITE:
        if any(n in low for n in needles):
            where = {"path": path, "folder": path.parent, "why": why}
            return StoreError(f"the store {path} " + text.format(**where), hint.format(**where))
    return None


def server_down(url: URL, why: str = "") -> StoreError:
    """A database server that cannot be reached, named by host and port (no password)."""
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    reason = "connection refused" if "refused" in why.lower() else (why or "no answer")
    return StoreError(
        f"cannot reach the database server at {where} "
        f"(database {url.database or '?'}): {_short(reason)}",
        "start the server, or check PARLEY_DATABASE_URL",
    )


def sqlite_path(url: URL) -> Path:
    """The file of a SQLite URL (plain or ``file:...?mode=ro`` form)."""
    name = url.database or ""
    return Path(name.removeprefix("file:").split("?", 1)[0])


def _short(text: str) -> str:
    first = text.split(" (Background on this error")[0]
    return first if len(first) <= 160 else first[:157] + "..."
