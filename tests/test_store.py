"""The store: SQLite in WAL mode, unique client order ids, schema version, no keys."""

from __future__ import annotations

from datetime import datetime, UTC

import pytest
from sqlalchemy import text

from app.store import Store
from app.store.db import StoreError, init_schema
from app.store.tables import SCHEMA_VERSION, OrderRow, SchemaVersionRow


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'parley.db'}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(store):
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_every_table_exists(store):
    with store.engine.connect() as conn:
        names = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    assert {
        "strategies",
        "runs",
        "orders",
        "fills",
        "positions",
        "decisions",
        "events",
        "lessons",
        "conversations",
        "schema_version",
        "commands",
        "trades",
    } <= names


def test_a_client_order_id_is_journaled_once(store):
    run = store.create_run("s", "strategy text")
    row = dict(
        run_id=run.id,
        client_order_id="r-GOOG-1-open_long",
        symbol="GOOG",
        side="buy",
        qty=10,
        intent="open_long",
        reason="long_entry",
        bar_time_ns=1,
    )
    assert store.journal_order(OrderRow(**row))
    assert not store.journal_order(OrderRow(**row))
    assert len(store.orders(run.id)) == 1


def test_orders_journaled_with_their_bar_are_written_with_its_updates_and_once(store):
    """The simulated venue's orders ride in the bar's commit: inserted before the bar's
    order updates apply to them; a bar committed again (a replay) keeps the first row."""
    from app.store import BarCommit

    run = store.create_run("s", "strategy text")
    row = dict(
        run_id=run.id,
        client_order_id="r-GOOG-1-open_long",
        symbol="GOOG",
        side="buy",
        qty=10,
        intent="open_long",
        reason="long_entry",
        bar_time_ns=1,
    )
    store.commit_bar(
        run.id,
        BarCommit(
            1,
            1,
            {},
            orders=[OrderRow(**row)],
            order_updates={row["client_order_id"]: {"status": "filled", "filled_qty": 10.0}},
        ),
    )
    store.commit_bar(run.id, BarCommit(1, 1, {}, orders=[OrderRow(**row)]))
    (got,) = store.orders(run.id)
    assert (got.status, got.filled_qty) == ("filled", 10.0)
    assert store.get_run(run.id).last_bar_ns == 1


def test_an_order_needs_its_run(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.session() as s:
        s.add(
            OrderRow(
                run_id="nope",
                client_order_id="x",
                symbol="A",
                side="buy",
                qty=1,
                intent="open_long",
                reason="r",
            )
        )
        s.commit()


def test_schema_version_is_recorded_and_a_newer_one_refused(store):
    with store.session() as s:
        assert s.get(SchemaVersionRow, 1).version == SCHEMA_VERSION
        row = s.get(SchemaVersionRow, 1)
        row.version = SCHEMA_VERSION + 1
        s.add(row)
        s.commit()
    with pytest.raises(StoreError, match="newer"):
        init_schema(store.engine)


def test_in_memory_url_for_tests():
    store = Store("sqlite://")
    assert store.create_run("s", "t").id.startswith("r")


def test_lessons_round_trip_through_sql(store):
    from app.agents.models import Lesson, SetupKey
    from app.store.lessons import SqlLessonStore

    when = datetime(2024, 1, 2, tzinfo=UTC)
    setup = SetupKey(
        rule="long entry", side="long", regime="trending_up", trend="up", volatility="normal"
    )
    lesson = Lesson(
        id="GOOG-20240102T0000-long",
        setup=setup,
        opened=when,
        closed=when,
        conviction=70,
        outcome_pct=-2.0,
        thesis="t",
        reflection="r",
        hint=-6.0,
    )
    lessons = SqlLessonStore(store)
    lessons.add(lesson)
    lessons.add(lesson)
    assert SqlLessonStore(store).all() == [lesson]


def test_lessons_are_read_once_until_refreshed_and_see_their_own_additions(store):
    from app.agents.models import Lesson, SetupKey
    from app.store.lessons import SqlLessonStore

    when = datetime(2024, 1, 2, tzinfo=UTC)
    setup = SetupKey(
        rule="long entry", side="long", regime="trending_up", trend="up", volatility="normal"
    )

    def lesson(lid: str, outcome: float) -> Lesson:
        return Lesson(
            id=lid,
            setup=setup,
            opened=when,
            closed=when,
            conviction=70,
            outcome_pct=outcome,
            thesis="t",
            reflection="r",
            hint=-6.0,
        )

    mine, other = SqlLessonStore(store), SqlLessonStore(store)
    other.add(lesson("B-1", 1.0))
    assert [x.id for x in mine.all()] == ["B-1"]
    mine.add(lesson("A-1", 2.0))
    mine.add(lesson("B-1", -3.0))  # replaces: as the table will give it back, by id
    assert mine.all() == SqlLessonStore(store).all()
    assert [(x.id, x.outcome_pct) for x in mine.all()] == [("A-1", 2.0), ("B-1", -3.0)]
    other.add(lesson("C-1", 4.0))  # another writer: seen after the next refresh
    assert [x.id for x in mine.all()] == ["A-1", "B-1"]
    mine.refresh()
    assert [x.id for x in mine.all()] == ["A-1", "B-1", "C-1"]


def test_conversations_are_stored(store):
    store.save_conversation("c1", "golden cross", [{"role": "user", "content": "buy"}])
    assert store.load_conversation("c1").messages[0]["content"] == "buy"


def test_keys_never_reach_the_database(tmp_path, monkeypatch):
    """A full run with fake keys in the environment: the key bytes appear nowhere."""
    import threading

    from app.config import load_settings
    from app.dsl import read_spec_text
    from app.runner.launch import create_run, run_spec
    from tests.conftest import STRATEGIES

    key, secret = "PKFAKEKEY00000000001", "fake-secret-key-never-stored-123456"
    monkeypatch.setenv("APCA_API_KEY_ID", key)
    monkeypatch.setenv("APCA_API_SECRET_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-never-stored")
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path))
    settings = load_settings()
    store = Store(settings.db_url)
    path = STRATEGIES / "sma_crossover.strategy"
    from app.dsl import load_spec

    run = create_run(store, load_spec(path), read_spec_text(path), path=str(path))
    run_spec(store, run.id, lambda e: None, threading.Event(), settings)
    store.engine.dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"GOOG" in blob
    for secret_text in (key, secret, "sk-ant-fake-never-stored"):
        assert secret_text.encode() not in blob


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://u@h/db", "mysql:// databases are not supported"),
        ("user:secret@host/db", "is not a database URL"),
        ("postgresql+asyncpg://u@h/db", "the asyncpg driver is not supported"),
    ],
)
def test_a_database_url_parley_cannot_use_is_a_message(url: str, words: str) -> None:
    from app.store.db import StoreError, server_url

    with pytest.raises(StoreError, match=words) as err:
        server_url(url)
    assert "secret" not in err.value.message  # a URL without a scheme is never echoed
