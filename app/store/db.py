"""The database engine: SQLite (WAL, busy timeout, foreign keys) by default, any
SQLAlchemy URL (PostgreSQL) when ``PARLEY_DATABASE_URL`` names one.

WAL lets the runner write while the TUI and ``parley status`` read. The busy timeout
makes a second writer (a ``stop`` command, another run) wait for the lock instead of
failing. The schema version table is checked on open: an older schema is migrated, a
newer one refused. Creating the schema is one transaction that holds SQLite's write lock
(and is retried when another process created it first), so two processes may create a new
store at once. A store that cannot be written (a read-only file or folder) is opened
read-only: reads work, and a write fails with a message (:mod:`app.store.faults`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from app.store import tables  # noqa: F401 - registers the tables on SQLModel.metadata
from app.store.faults import StoreError, watch
from app.store.tables import SCHEMA_VERSION, SchemaVersionRow

__all__ = ["StoreError", "init_schema", "make_engine", "read_only", "server_url"]

BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: dict[int, Callable[[Engine], None]] = {}
"""``MIGRATIONS[v]`` upgrades a schema at version ``v`` to ``v + 1``."""


CONNECT_TIMEOUT_S = 10
"""How long to wait for a database server that does not answer."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite tuned for one writer and many readers."""
    if not url.startswith("sqlite"):
        engine = create_engine(
            server_url(url), pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
        watch(engine)
        return engine
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        engine = _sqlite_file(Path(url.split("///", 1)[1]))
    event.listen(engine, "connect", _sqlite_pragmas if not read_only(engine) else _sqlite_read)
    watch(engine)
    return engine


def _sqlite_file(path: Path) -> Engine:
    """A file database; opened read-only when the file or its folder cannot be written."""
    args: dict[str, object] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"cannot create the store's folder {path.parent} ({err.strerror or err})",
            "set PARLEY_HOME to a writable folder",
        ) from None
    if not _writable(path):
        # Without a -shm file nobody is writing it: read it as an unchanging file.
        still = "" if Path(f"{path}-shm").exists() else "&immutable=1"
        return create_engine(f"sqlite:///file:{path}?mode=ro{still}&uri=true", connect_args=args)
    return create_engine(f"sqlite:///{path}", connect_args=args)


def _writable(path: Path) -> bool:
    folder_ok = os.access(path.parent, os.W_OK)
    if not path.exists():
        if not folder_ok:
            raise StoreError(
                f"cannot create the store {path}: {path.parent} is read-only",
                "set PARLEY_HOME to a writable folder",
            )
        return True
    return folder_ok and os.access(path, os.W_OK)


def read_only(engine: Engine) -> bool:
    """Whether ``engine`` is a SQLite store opened read-only."""
    return engine.url.query.get("mode") == "ro"


def server_url(url: str) -> str:
    """A plain ``postgresql://`` (or ``postgres://``) URL uses psycopg 3, the driver the
    ``postgres`` extra installs (the one driver supported).

    Raises:
        StoreError: not a URL, not SQLite or PostgreSQL, or PostgreSQL without psycopg.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise StoreError(
            "PARLEY_DATABASE_URL is not a database URL (it has no scheme://)",
            "write it like postgresql://USER@HOST/DB, or leave it unset for the "
            "SQLite file in PARLEY_HOME",
        )
    base = scheme.partition("+")[0]
    if base == "sqlite":
        return url
    if base not in ("postgresql", "postgres"):
        raise StoreError(
            f"PARLEY_DATABASE_URL: {scheme}:// databases are not supported; "
            "Parley keeps its state in SQLite or PostgreSQL",
            "use postgresql://USER@HOST/DB, or leave it unset for SQLite",
        )
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise StoreError(
            f"PARLEY_DATABASE_URL: the {scheme.partition('+')[2]} driver is not "
            "supported; Parley talks to PostgreSQL through psycopg",
            "write the URL as postgresql://USER@HOST/DB",
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            "a PostgreSQL database needs the psycopg driver", "pip install 'parley[postgres]'"
        ) from None
    return f"postgresql+psycopg{sep}{rest}"


def _sqlite_read(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA schema_version")  # reads the header: a non-database fails here
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def init_schema(engine: Engine) -> int:
    """Create missing tables, then check (and migrate) the schema version.

    Raises:
        StoreError: the database was written by a newer Parley.
    """
    version = _create(engine) if not read_only(engine) else _stored_version(engine)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database has schema version {version}, newer than this Parley's {SCHEMA_VERSION}",
            "upgrade Parley, or use another PARLEY_HOME",
        )
    while version < SCHEMA_VERSION:
        if read_only(engine):
            raise StoreError(
                f"the read-only store has schema version {version}, older "
                f"than this Parley's {SCHEMA_VERSION}",
                "open it once with write access so Parley can upgrade it",
            )
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from schema version {version}")
        step(engine)
        version += 1
        with Session(engine) as s:
            row = s.get(SchemaVersionRow, 1)
            assert row is not None
            row.version = version
            s.add(row)
            s.commit()
    return version


def _create(engine: Engine, attempts: int = 3) -> int:
    """Create missing tables and the version row in one transaction; the schema's version.

    Another process creating the same store at the same moment makes a step fail with
    "already exists" or a duplicate key: the next attempt then finds its tables.
    """
    for attempt in range(attempts):
        try:
            with engine.connect() as conn:
                return _create_in(conn)
        except (OperationalError, DatabaseError) as err:
            if attempt == attempts - 1 or not _lost_race(err):
                raise
    raise AssertionError("unreachable")


def _create_in(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, before looking
    SQLModel.metadata.create_all(conn)  # importing app.store.tables registered them
    with Session(bind=conn) as s:
        row = s.exec(select(SchemaVersionRow)).first()
        version = row.version if row is not None else SCHEMA_VERSION
        if row is None:
            s.add(SchemaVersionRow(version=SCHEMA_VERSION))
            s.flush()
    conn.commit()
    return version


def _lost_race(err: Exception) -> bool:
    text = str(err).lower()
    return "already exists" in text or "unique" in text or "duplicate" in text


def _stored_version(engine: Engine) -> int:
    """The version of a store that is only read (no table is created)."""
    if not inspect(engine).has_table(SchemaVersionRow.__tablename__):
        raise StoreError(
            f"the read-only store {engine.url.database} holds no Parley data",
            "set PARLEY_HOME to a writable folder",
        )
    with Session(engine) as s:
        row = s.exec(select(SchemaVersionRow)).first()
    return row.version if row is not None else SCHEMA_VERSION
