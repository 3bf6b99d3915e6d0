"""The database rows. SQLModel ``table=True`` classes live here and nowhere else.

Domain objects (the spec, the execution path's orders and fills, the agents' lessons) stay
pydantic models or dataclasses; :mod:`app.store.convert` turns them into rows and back.
Times of bars are int64 nanoseconds (``BigInteger``, so PostgreSQL holds them too); wall
clock times are timezone-aware UTC datetimes. No row ever holds a key or secret.
"""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1
"""Bump with a migration in :mod:`app.store.db` whenever a table changes."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ns(index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(BigInteger, index=index, nullable=nullable))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON))


class SchemaVersionRow(SQLModel, table=True):
    __tablename__ = "schema_version"

    id: int = Field(default=1, primary_key=True)
    version: int
    applied_at: datetime = Field(default_factory=utcnow)


class StrategyRow(SQLModel, table=True):
    """A spec as canonical DSL text (the text is the truth, the JSON a convenience)."""

    __tablename__ = "strategies"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    text: str
    path: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class RunRow(SQLModel, table=True):
    """One run of a spec: its settings, its status and its checkpoint."""

    __tablename__ = "runs"

    id: str = Field(primary_key=True)
    strategy_id: int | None = Field(default=None, foreign_key="strategies.id")
    name: str
    spec_text: str
    broker: str = "sim"
    """``sim`` (the simulated paper broker), ``alpaca-paper`` or ``alpaca-live``."""
    feed: str = "replay"
    data: str | None = None
    speed: str = "max"
    cash: float = 10_000.0
    status: str = Field(default="created", index=True)
    """created, running, paused, stopping, stopped, finished, failed."""
    reason: str | None = None
    """Why the run is paused, stopped or failed (a tripped limit names itself)."""
    pid: int | None = None
    bars_done: int = 0
    last_bar_ns: int | None = _ns()
    """The last bar fully processed: a resumed run starts after it."""
    checkpoint: dict[str, Any] | None = _json()
    """The book as of ``last_bar_ns``: cash, positions and pending orders."""
    options: dict[str, Any] | None = _json()
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime | None = None

    @property
    def feed_label(self) -> str:
        """The feed as every view of the run names it: ``replay of 2004-08-19..2018-03-27``
        for a replay (history, never live), ``alpaca (live bars)`` for the live feed."""
        label = (self.options or {}).get("feed_label")
        if label:
            return str(label)
        return "alpaca (live bars)" if self.feed == "alpaca" else f"{self.feed} (history)"


class OrderRow(SQLModel, table=True):
    """An order, written before it is sent. The client order id is unique."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    client_order_id: str = Field(unique=True)
    symbol: str
    side: str
    """``buy`` or ``sell``."""
    qty: float
    intent: str
    reason: str
    bar_time_ns: int | None = _ns()
    status: str = "new"
    """new (journaled, maybe not sent), submitted, filled, partially_filled, rejected,
    canceled."""
    broker_order_id: str | None = None
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FillRow(SQLModel, table=True):
    """An execution. ``fill_key`` is unique, so a fill seen twice is stored once."""

    __tablename__ = "fills"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    fill_key: str = Field(unique=True)
    client_order_id: str
    symbol: str
    side: str
    qty: float
    price: float
    commission: float = 0.0
    time_ns: int | None = _ns()
    reason: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class PositionRow(SQLModel, table=True):
    """A run's open position on a symbol, as its book holds it."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("run_id", "symbol"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    symbol: str
    side: str
    qty: float
    entry_price: float
    entry_time_ns: int | None = _ns()
    stop: float | None = None
    target: float | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class TradeRow(SQLModel, table=True):
    """A closed round trip."""

    __tablename__ = "trades"
    __table_args__ = (UniqueConstraint("run_id", "symbol", "entry_time_ns", "exit_time_ns"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    symbol: str
    side: str
    qty: float
    entry_time_ns: int | None = _ns()
    entry_price: float
    exit_time_ns: int | None = _ns()
    exit_price: float
    pnl: float
    pnl_pct: float
    bars_held: int
    exit_reason: str
    commission: float = 0.0


class DecisionRow(SQLModel, table=True):
    """One decision with its full record (rule, regime, opinions, debate, risk, size)."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    time_ns: int | None = _ns()
    symbol: str
    side: str
    rule: str
    approved: bool
    qty: float
    conviction: float | None = None
    record: dict[str, Any] | None = _json()


class EventRow(SQLModel, table=True):
    """Something a run did or met: start, pause, tripped limit, broker fault, finish."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    kind: str
    message: str
    data: dict[str, Any] | None = _json()


class CommandRow(SQLModel, table=True):
    """A control request (stop, pause, resume, flatten, kill) a runner polls each bar."""

    __tablename__ = "commands"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str | None = Field(default=None, index=True)
    """None addresses every run (the kill switch)."""
    command: str
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class LessonRow(SQLModel, table=True):
    """An agent-team reflection on a closed trade (:class:`app.agents.models.Lesson`)."""

    __tablename__ = "lessons"

    id: str = Field(primary_key=True)
    symbol: str | None = None
    closed_at: datetime | None = None
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class ConversationRow(SQLModel, table=True):
    """A chat with the compiler: its messages as JSON."""

    __tablename__ = "conversations"

    id: str = Field(primary_key=True)
    title: str = ""
    messages: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
