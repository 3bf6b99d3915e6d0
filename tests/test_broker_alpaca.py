"""AlpacaBroker through alpaca-py's real TradingClient, against the loopback fake."""

from __future__ import annotations

import pandas as pd
import threading

import pytest

from app.broker.alpaca import AlpacaBroker
from app.broker.base import Broker, BrokerError, BrokerUnavailable
from app.broker.models import OrderRequest
from tests.fakes.alpaca_server import KEY_ID, SECRET, Fault, FakeAlpaca


@pytest.fixture
def fake():
    with FakeAlpaca() as server:
        yield server


@pytest.fixture
def broker(fake):
    b = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=5.0, retries=2, backoff=0.0)
    yield b
    b.close()


def buy(coid: str, symbol: str = "GOOG", qty: float = 10) -> OrderRequest:
    return OrderRequest(client_order_id=coid, symbol=symbol, side="buy", qty=qty)


def test_it_is_a_broker_and_paper_by_default(broker):
    assert isinstance(broker, Broker)
    assert broker.name == "alpaca-paper"


def test_submit_fills_and_the_account_follows(fake, broker):
    fake.prices["GOOG"] = 150.0
    order = broker.submit(buy("r1-GOOG-1-open_long"))
    assert order.status == "filled" and order.filled_qty == 10
    assert order.filled_avg_price == 150.0
    [pos] = broker.positions()
    assert (pos.symbol, pos.qty, pos.avg_entry_price) == ("GOOG", 10, 150.0)
    acct = broker.account()
    assert acct.account_number == "PA3FAKE0001"
    assert acct.cash == pytest.approx(100_000 - 1500)
    assert broker.clock().is_open


def test_a_duplicate_client_order_id_returns_the_existing_order(fake, broker):
    first = broker.submit(buy("dup-1"))
    again = broker.submit(buy("dup-1"))
    assert again.broker_id == first.broker_id
    assert fake.submits == ["dup-1"]
    assert fake.position_qty("GOOG") == 10


def test_get_order_by_client_id_and_unknown_ids(broker):
    broker.submit(buy("known-1"))
    assert broker.get_order("known-1").filled_qty == 10
    assert broker.get_order("never-sent") is None


def test_a_rejection_is_a_value_not_an_exception(fake, broker):
    fake.rejects.add("NOPE")
    order = broker.submit(buy("rej-1", "NOPE"))
    assert order.status == "rejected"
    assert "insufficient buying power" in order.note


def test_partial_fill_then_cancel_the_rest(fake, broker):
    fake.fill = "partial"
    order = broker.submit(buy("part-1", qty=10))
    assert order.status == "partially_filled" and order.filled_qty == 5
    assert broker.get_order("part-1").status == "partially_filled"
    assert broker.cancel("part-1")
    assert broker.get_order("part-1").status == "canceled"
    assert not broker.cancel("part-1")


def test_server_errors_are_retried(fake, broker):
    fake.script("POST /v2/orders", Fault(500), Fault(503))
    order = broker.submit(buy("retry-1"))
    assert order.status == "filled"
    assert fake.submits == ["retry-1"]


def test_persistent_server_errors_raise_unavailable(fake, broker):
    fake.script("GET /v2/positions", Fault(500), Fault(500), Fault(500))
    with pytest.raises(BrokerUnavailable):
        broker.positions()


def test_an_order_placed_whose_answer_was_lost_is_not_placed_twice(fake, broker):
    """The 500 came after the order was accepted: the retry meets the 422 and fetches it."""
    fake.script("POST /v2/orders", Fault(500, then_apply=True))
    order = broker.submit(buy("lost-1"))
    assert order.client_order_id == "lost-1" and order.status == "filled"
    assert fake.submits == ["lost-1"]
    assert fake.position_qty("GOOG") == 10


def test_rate_limit_is_retried_by_the_sdk(fake, broker):
    fake.script("GET /v2/account", Fault(429))
    assert broker.account().equity == pytest.approx(100_000)


def test_a_silent_server_times_out_as_unavailable(fake):
    b = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=0.2, retries=0)
    fake.script("GET /v2/clock", Fault(hang=True))
    try:
        with pytest.raises(BrokerUnavailable, match="no answer"):
            b.clock()
        assert fake.hanging.acquire(timeout=5)
    finally:
        fake.release()
        b.close()


def test_hung_calls_leave_no_thread_behind_and_block_nothing(fake):
    """Four hung calls used to fill a 4-thread pool and block every later call."""
    b = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=0.2, retries=0)
    fake.script("GET /v2/clock", *[Fault(hang=True)] * 5)
    try:
        for _ in range(5):
            with pytest.raises(BrokerUnavailable, match="no answer"):
                b.clock()
        assert b.account().equity == pytest.approx(100_000)  # not blocked by the hung ones
        assert not [t for t in threading.enumerate() if t.name.startswith("alpaca")]
    finally:
        fake.release()
        b.close()


def test_a_read_timeout_is_retried_in_the_http_layer(fake):
    b = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=0.2, retries=1, backoff=0.0)
    fake.script("GET /v2/account", Fault(hang=True))
    try:
        assert b.account().equity == pytest.approx(100_000)  # the second try answers
    finally:
        fake.release()
        b.close()


def test_bad_keys_are_a_broker_error(fake):
    b = AlpacaBroker("wrong", "keys", url=fake.base_url, retries=0)
    try:
        with pytest.raises(BrokerError):
            b.get_order("x")
    finally:
        b.close()


def test_historical_bars_through_the_real_data_client(fake):
    from app.feeds.alpaca import AlpacaFeed

    index = pd.date_range("2024-01-02 09:30", periods=5, freq="min")
    fake.bars["GOOG"] = pd.DataFrame(
        {
            "open": [1.0, 2, 3, 4, 5],
            "high": [2.0, 3, 4, 5, 6],
            "low": [0.5, 1, 2, 3, 4],
            "close": [1.5, 2.5, 3.5, 4.5, 5.5],
            "volume": [10.0] * 5,
        },
        index=index,
    )
    feed = AlpacaFeed(KEY_ID, SECRET, ["GOOG"], "1m", url=fake.base_url)
    frames = feed.fetch(pd.Timestamp("2024-01-02 14:00", tz="UTC").to_pydatetime())
    frame = frames["GOOG"]
    assert list(frame.index) == list(index)
    assert frame["close"].tolist() == [1.5, 2.5, 3.5, 4.5, 5.5]
    assert any(path == "/v2/stocks/bars" for _, path, _ in fake.requests)
