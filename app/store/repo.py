"""The store: every read and write of Parley's state goes through :class:`Store`.

Writes that belong together are one transaction: :meth:`Store.commit_bar` records a bar's
fills, trades, decisions, positions, order updates and the run's checkpoint at once, so
a run killed at any instant is left either before or after the bar, never half-way. An
order to a real venue is journaled by :meth:`Store.journal_order` in its own transaction
*before* it is sent; its client order id is unique, so journaling it again (a replayed
bar) is a no-op. An order to the simulated venue reaches nothing outside the process, so
it is journaled with its bar (:attr:`BarCommit.orders`, one transaction for the bar):
killed before that commit, the run never sent it, and redoing the bar makes it again
with the same id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.execution.decision import DecisionRecord
from app.store.convert import decision_of
from app.store.db import init_schema, make_engine, read_only
from app.store.faults import StoreError
from app.store.tables import (
    CommandRow,
    ConversationRow,
    DecisionRow,
    EventRow,
    FillRow,
    OrderRow,
    PositionRow,
    RunRow,
    StrategyRow,
    TradeRow,
    utcnow,
)

if TYPE_CHECKING:
    from app.config import Settings


@dataclass
class BarCommit:
    """Everything one processed bar changes, written in one transaction."""

    bar_ns: int
    bars_done: int
    checkpoint: dict[str, Any]
    orders: list[OrderRow] = field(default_factory=list)
    """Orders journaled with the bar (the simulated venue's); ids already known are kept."""
    order_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Client order id -> changed columns (status, filled_qty, filled_avg_price, note)."""
    fills: list[FillRow] = field(default_factory=list)
    trades: list[TradeRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    positions: list[PositionRow] | None = None
    """The run's open positions after the bar (None: unchanged)."""
    run_fields: dict[str, Any] = field(default_factory=dict)


class Store:
    """Parley's database. Thread-safe: each call opens its own session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        init_schema(self.engine)
        self.read_only = bool(read_only(self.engine))
        """Whether this user may only read the store."""

    def require_writable(self, doing: str) -> None:
        """Raises StoreError up front when the store is read-only (reads still work)."""
        if self.read_only:
            raise StoreError(
                f"cannot {doing}: the store {self.url.removeprefix('sqlite:///')} "
                "is read-only for "
                "this user (reading works: `parley status`)",
                "make it writable, or set PARLEY_HOME to a folder you can write",
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.db_url)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session whose reads all see the store as of one moment, while runners in
        other processes keep committing bars: one read transaction (SQLite's WAL keeps
        its snapshot until it ends; PostgreSQL at REPEATABLE READ). Nothing is written."""
        with self.session() as s:
            if self.engine.dialect.name == "sqlite":
                # pysqlite opens no transaction for a SELECT: open one, so every query
                # below reads the same snapshot
                s.connection().exec_driver_sql("BEGIN")
            else:
                s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield s
            s.commit()  # ends the read transaction; unlike a rollback it keeps what was read

    # ----------------------------------------------------------------- strategies, runs
    def save_strategy(self, name: str, text: str, path: str | None = None) -> int:
        with self.session() as s:
            row = StrategyRow(name=name, text=text, path=path)
            s.add(row)
            s.commit()
            assert row.id is not None
            return row.id

    def create_run(self, name: str, spec_text: str, **fields: Any) -> RunRow:
        """A new run with a fresh short id (``r`` + 10 hex digits)."""
        strategy_id = self.save_strategy(name, spec_text, fields.pop("path", None))
        run = RunRow(
            id="r" + uuid.uuid4().hex[:10],
            strategy_id=strategy_id,
            name=name,
            spec_text=spec_text,
            **fields,
        )
        with self.session() as s:
            s.add(run)
            s.commit()
        return run

    def get_run(self, run_id: str) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    def find_run(self, prefix: str) -> RunRow | None:
        """A run by its id or an unambiguous prefix of it."""
        run = self.get_run(prefix)
        if run is not None:
            return run
        with self.session() as s:
            found = s.exec(select(RunRow).where(col(RunRow.id).startswith(prefix))).all()
        return found[0] if len(found) == 1 else None

    def list_runs(self) -> list[RunRow]:
        with self.session() as s:
            return list(s.exec(select(RunRow).order_by(col(RunRow.created_at))).all())

    def update_run(self, run_id: str, **values: Any) -> None:
        values.setdefault("updated_at", utcnow())
        with self.session() as s:
            s.exec(update(RunRow).where(col(RunRow.id) == run_id).values(**values))
            s.commit()

    # ----------------------------------------------------------------- orders
    def journal_order(self, row: OrderRow) -> bool:
        """Write an order before it is sent. False when its client order id is known."""
        with self.session() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
        return True

    def get_order(self, client_order_id: str) -> OrderRow | None:
        with self.session() as s:
            return s.exec(
                select(OrderRow).where(OrderRow.client_order_id == client_order_id)
            ).first()

    # ----------------------------------------------------------------- a processed bar
    def commit_bar(self, run_id: str, c: BarCommit) -> None:
        """Record one processed bar atomically (see the module docstring)."""
        now = utcnow()
        with self.session() as s:
            if c.orders:
                known = _existing_orders(s, [o.client_order_id for o in c.orders])
                s.add_all([o for o in c.orders if o.client_order_id not in known])
                s.flush()  # the updates below are statements on the connection
            _update_orders(s, c.order_updates, now)
            known = _existing_keys(s, [f.fill_key for f in c.fills])
            s.add_all([f for f in c.fills if f.fill_key not in known])
            s.add_all([*c.trades, *c.decisions, *c.events])
            if c.positions is not None:
                s.exec(delete(PositionRow).where(col(PositionRow.run_id) == run_id))
                s.add_all(c.positions)
            s.exec(
                update(RunRow)
                .where(col(RunRow.id) == run_id)
                .values(
                    last_bar_ns=c.bar_ns,
                    bars_done=c.bars_done,
                    checkpoint=c.checkpoint,
                    updated_at=now,
                    heartbeat_at=now,
                    **c.run_fields,
                )
            )
            s.commit()

    def add_event(
        self, run_id: str, kind: str, message: str, data: dict[str, Any] | None = None
    ) -> None:
        with self.session() as s:
            s.add(EventRow(run_id=run_id, kind=kind, message=message, data=data))
            s.commit()

    # ----------------------------------------------------------------- control
    def post_command(self, run_id: str | None, command: str) -> int:
        with self.session() as s:
            row = CommandRow(run_id=run_id, command=command)
            s.add(row)
            s.commit()
            assert row.id is not None
            return row.id

    def take_commands(
        self, run_id: str, since: datetime | None = None, peek: bool = False
    ) -> list[CommandRow]:
        """Commands for this run (or for every run) not yet done, oldest first; each is
        marked done as it is taken (``peek``: none is). Commands to every run posted before
        ``since`` (the run's start) are ignored: a kill switch does not stop runs started
        after it."""
        with self.session() as s:
            q = (
                select(CommandRow)
                .where(col(CommandRow.done_at).is_(None))
                .where((col(CommandRow.run_id) == run_id) | col(CommandRow.run_id).is_(None))
            )
            rows = [
                r
                for r in s.exec(q.order_by(col(CommandRow.id))).all()
                if r.run_id is not None or since is None or _aware(r.created_at) >= since
            ]
            if peek:
                return rows
            for r in rows:
                if r.run_id is not None:
                    r.done_at = utcnow()
                    s.add(r)
            s.commit()
            return rows

    def finish_commands(self, run_id: str, commands: Iterable[str] | None = None) -> int:
        """Mark this run's pending commands (of ``commands``, or all) done: they were
        obeyed another way (a signal, or the run had no process). Returns how many."""
        with self.session() as s:
            q = update(CommandRow).where(
                col(CommandRow.run_id) == run_id, col(CommandRow.done_at).is_(None)
            )
            if commands is not None:
                q = q.where(col(CommandRow.command).in_(list(commands)))
            n = s.exec(q.values(done_at=utcnow())).rowcount
            s.commit()
            return int(n or 0)

    # ----------------------------------------------------------------- reads
    def rows(
        self, table: Any, run_id: str, order: Any = None, session: Session | None = None
    ) -> list[Any]:
        """A run's rows of ``table`` (by id unless ``order`` says), in ``session`` when
        given (one read of :meth:`reading`), else in a session of their own."""
        q: Any = select(table).where(table.run_id == run_id)
        q = q.order_by(order if order is not None else table.id)
        if session is not None:
            return list(session.exec(q).all())
        with self.session() as s:
            return list(s.exec(q).all())

    def orders(self, run_id: str) -> list[OrderRow]:
        return self.rows(OrderRow, run_id)

    def fills(self, run_id: str) -> list[FillRow]:
        return self.rows(FillRow, run_id)

    def trades(self, run_id: str) -> list[TradeRow]:
        return self.rows(TradeRow, run_id, col(TradeRow.exit_time_ns))

    def positions(self, run_id: str) -> list[PositionRow]:
        return self.rows(PositionRow, run_id, col(PositionRow.symbol))

    def decisions(self, run_id: str) -> list[DecisionRecord]:
        """The run's decision log, each as the model it was written from."""
        return [decision_of(r) for r in self.rows(DecisionRow, run_id)]

    def events(self, run_id: str) -> list[EventRow]:
        return self.rows(EventRow, run_id)

    # ----------------------------------------------------------------- conversations
    def save_conversation(self, conv_id: str, title: str, messages: Sequence[Any]) -> None:
        with self.session() as s:
            row = s.get(ConversationRow, conv_id) or ConversationRow(id=conv_id)
            row.title, row.messages, row.updated_at = title, list(messages), utcnow()
            s.add(row)
            s.commit()

    def load_conversation(self, conv_id: str) -> ConversationRow | None:
        with self.session() as s:
            return s.get(ConversationRow, conv_id)


def _update_orders(s: Session, updates: dict[str, dict[str, Any]], now: datetime) -> None:
    """One executemany UPDATE per set of changed columns, not one statement per order."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for coid, values in updates.items():
        row = {f"v_{k}": v for k, v in values.items()}
        groups.setdefault(tuple(sorted(values)), []).append({"coid": coid, "v_now": now, **row})
    table = OrderRow.__table__  # type: ignore[attr-defined]
    for names, rows in groups.items():
        stmt = (
            update(table)
            .where(table.c.client_order_id == bindparam("coid"))
            .values(
                updated_at=bindparam("v_now", type_=table.c.updated_at.type),
                **{k: bindparam(f"v_{k}", type_=table.c[k].type) for k in names},
            )
        )
        s.connection().execute(stmt, rows)


def _existing_keys(s: Session, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    found = s.exec(select(FillRow.fill_key).where(col(FillRow.fill_key).in_(keys))).all()
    return set(found)


def _existing_orders(s: Session, ids: list[str]) -> set[str]:
    found = s.exec(
        select(OrderRow.client_order_id).where(col(OrderRow.client_order_id).in_(ids))
    ).all()
    return set(found)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
