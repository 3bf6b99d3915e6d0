"""The database engine: SQLite (WAL, busy timeout, foreign keys) by default, any
SQLAlchemy URL (PostgreSQL) when ``PARLEY_DATABASE_URL`` names one.

WAL lets the runner write while the TUI and ``parley status`` read. The busy timeout
makes a second writer (a ``stop`` command, another run) wait for the lock instead of
failing. The schema version table is checked on open: an older schema is migrated, a
newer one refused.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from app.errors import ParleyError
from app.store import tables
from app.store.tables import SCHEMA_VERSION, SchemaVersionRow

BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: dict[int, Callable[[Engine], None]] = {}
"""``MIGRATIONS[v]`` upgrades a schema at version ``v`` to ``v + 1``."""


class StoreError(ParleyError):
    """The database cannot be opened or is of an unknown schema."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite tuned for one writer and many readers."""
    if not url.startswith("sqlite"):
        return create_engine(server_url(url), pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        path = Path(url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def server_url(url: str) -> str:
    """A plain ``postgresql://`` (or ``postgres://``) URL uses psycopg 3, the driver the
    ``postgres`` extra installs; a URL naming its driver is left alone.

    Raises:
        StoreError: the URL asks for PostgreSQL and psycopg is not installed.
    """
    scheme, sep, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        return url
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError("a PostgreSQL database needs the psycopg driver",
                         "pip install 'parley[postgres]'") from None
    return f"postgresql+psycopg{sep}{rest}"


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
    assert tables.SCHEMA_VERSION  # the import registers the tables on SQLModel.metadata
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        row = s.exec(select(SchemaVersionRow)).first()
        if row is None:
            s.add(SchemaVersionRow(version=SCHEMA_VERSION))
            s.commit()
            return SCHEMA_VERSION
        version = row.version
    if version > SCHEMA_VERSION:
        raise StoreError(f"the database has schema version {version}, newer than this "
                         f"Parley's {SCHEMA_VERSION}", "upgrade Parley, or use another "
                         "PARLEY_HOME")
    while version < SCHEMA_VERSION:
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
