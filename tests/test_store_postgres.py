"""The store on a real PostgreSQL server: a plain postgresql:// URL works, a replay run
gives exactly what SQLite gives, and two runs and a monitor share one database."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from app.dsl import load_spec, read_spec_text
from app.feeds.replay import ReplayFeed
from app.market.data_source import load_for_spec
from app.runner import Runner
from app.store import Store
from tests.conftest import STRATEGIES
from tests.pg_server import pg_bin, postgres_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url():
    if not pg_bin("initdb"):
        if os.environ.get("CI"):
            pytest.fail("CI must install PostgreSQL (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed here")
    # Not pytest's tmp_path: it is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="parley-pg-"))
    folder.chmod(0o755)
    try:
        with postgres_server(folder) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def pg_url(server_url: str) -> str:
    """A fresh database on the server for each test."""
    import psycopg

    name = "t" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def _replay(store: Store, path, stop: threading.Event | None = None) -> str:
    spec = load_spec(path)
    frames = load_for_spec(spec)
    run = store.create_run(spec.name, read_spec_text(path))
    Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, stop or threading.Event())
    return run.id


def _facts(store: Store, run_id: str) -> tuple:
    trades = sorted(
        (
            t.symbol,
            t.side,
            t.entry_time_ns,
            t.exit_time_ns,
            t.entry_price,
            t.exit_price,
            t.qty,
            t.exit_reason,
        )
        for t in store.trades(run_id)
    )
    # Client order ids start with the run's id; the rest names the bar and the intent.
    orders = sorted((_cid(o.client_order_id), o.status, o.qty) for o in store.orders(run_id))
    fills = sorted((_cid(f.client_order_id), f.qty, f.price) for f in store.fills(run_id))
    return trades, orders, fills, store.get_run(run_id).status


def _cid(client_order_id: str) -> str:
    return client_order_id.split("-", 1)[1]


def test_a_replay_run_on_postgres_equals_sqlite(pg_url: str) -> None:
    path = STRATEGIES / "sma_crossover.strategy"
    pg, lite = Store(pg_url), Store("sqlite://")
    on_pg, on_lite = _facts(pg, _replay(pg, path)), _facts(lite, _replay(lite, path))
    assert on_pg == on_lite
    trades, orders, fills, status = on_pg
    assert (len(trades), len(orders), len(fills), status) == (32, 65, 65, "finished")


def test_two_runs_and_a_monitor_share_one_database(pg_url: str) -> None:
    Store(pg_url)  # create the schema once
    paths = [STRATEGIES / "sma_crossover.strategy", STRATEGIES / "macd_cross.strategy"]
    ids: dict[str, object] = {}
    errors: list[BaseException] = []
    seen: list[int] = []

    def run(path) -> None:
        try:
            ids[_replay(Store(pg_url), path)] = path
        except BaseException as err:  # noqa: BLE001 - reported by the assert below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    monitor = Store(pg_url)
    while any(t.is_alive() for t in threads):
        seen.append(len(monitor.list_runs()))
        for t in threads:
            t.join(timeout=0.05)
    assert not errors, errors
    assert len(ids) == 2 and seen and max(seen) <= 2
    lite = Store("sqlite://")
    for run_id, path in ids.items():
        assert monitor.get_run(run_id).status == "finished"
        assert _facts(monitor, run_id) == _facts(lite, _replay(lite, path))


def test_plain_postgres_urls_name_the_driver() -> None:
    from app.store.db import server_url

    assert server_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert server_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert server_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_snapshot_reads_one_moment_on_postgres(pg_url: str) -> None:
    from tests.test_store_reading import one_moment

    one_moment(pg_url)
