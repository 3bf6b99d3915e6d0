"""The market's hours: the NYSE calendar's answer (paper), the broker's clock through
alpaca-py against the loopback fake (live), and a live book that holds US stock orders
while the market is closed and sends them once it opens. Fixed clocks, no sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.broker.alpaca import AlpacaBroker
from app.broker.clock import MarketHours, calendar_clock
from app.broker.models import MarketClock
from app.execution.orders import Order
from app.runner.book import Book
from app.runner.venue import VenueBook
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_calendar_knows_holidays_and_early_closes() -> None:
    holiday = calendar_clock(utc("2024-07-04 15:00"))  # Independence Day, 11:00 New York
    assert not holiday.is_open and holiday.next_open == utc("2024-07-05 13:30")
    early = calendar_clock(utc("2024-11-29 17:30"))  # the day after Thanksgiving, 12:30
    assert early.is_open and early.next_close == utc("2024-11-29 18:00")  # closes at 13:00
    weekend = calendar_clock(utc("2024-07-06 15:00"))
    assert not weekend.is_open and weekend.next_open == utc("2024-07-08 13:30")


def test_the_answer_is_kept_until_the_next_open_or_close() -> None:
    asked: list[int] = []
    now = [utc("2024-07-05 12:00")]

    def source() -> MarketClock:
        asked.append(1)
        return calendar_clock(now[0])

    hours = MarketHours(source, lambda: now[0])
    assert hours.closed_note() == "the US stock market is closed until 2024-07-05 09:30 New York"
    now[0] = utc("2024-07-05 13:29")
    assert hours.closed_note() is not None and len(asked) == 1  # no second question
    now[0] = utc("2024-07-05 13:30")
    assert hours.closed_note() is None and len(asked) == 2


def test_the_paper_book_answers_from_the_calendar() -> None:
    book = Book(10_000.0, lambda o: None, now=lambda: utc("2024-07-04 15:00"))
    assert (
        book.hours.closed_note() == "the US stock market is closed until 2024-07-05 09:30 New York"
    )


@pytest.fixture
def fake():
    with FakeAlpaca() as server:
        yield server


def test_a_live_book_holds_stock_orders_until_the_broker_says_open(fake) -> None:
    broker = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=None, retries=0, backoff=0)
    now = [utc("2024-07-04 15:00")]
    fake.is_open, fake.next_open = False, "2024-07-05T13:30:00Z"
    fake.next_close = "2024-07-05T20:00:00Z"
    fake.prices.update({"GOOG": 100.0, "BTC/USD": 50_000.0})
    journal: list[str] = []
    book = VenueBook(
        100_000.0,
        lambda o: journal.append(o.client_order_id),
        broker,
        lambda s, t, r: f"exit-{s}-{t}",
        now=lambda: now[0],
    )
    try:
        stock = book.submit(Order("run-goog-1", "GOOG", 1, 10.0, "open_long", "long_entry", 0, 0))
        coin = book.submit(Order("run-btc-1", "BTC/USD", 1, 0.01, "open_long", "long_entry", 0, 0))
        # The coin trades around the clock: sent. The stock waits, pending in the book.
        assert fake.submits == ["run-btc-1"] and journal == ["run-goog-1", "run-btc-1"]
        assert stock.status == "new" and stock.note.startswith(
            "waiting: the US stock market is closed until 2024-07-05"
        )
        assert book.orders.pending["GOOG"] is stock and coin.status == "new"
        [note] = book.drain_notes()
        assert note.kind == "market" and "09:30 New York" in note.message
        # A bar while still closed: nothing is sent, and the broker's clock is not asked
        # again before the open it named.
        clock_calls = sum(1 for q in fake.queries if q[0] == "/v2/clock")
        assert book.fill_at_open("GOOG", 1, 1, 100.0) is None and fake.submits == ["run-btc-1"]
        assert sum(1 for q in fake.queries if q[0] == "/v2/clock") == clock_calls
        # The open: the broker says so, the order goes out under its own id and fills.
        now[0] = utc("2024-07-05 13:31")
        fake.is_open, fake.next_close = True, "2024-07-05T20:00:00Z"
        done = book.fill_at_open("GOOG", 2, 2, 100.0)
        assert fake.submits == ["run-btc-1", "run-goog-1"]
        assert done is not None and book.account.positions["GOOG"].qty == 10.0
        assert [x.fill.client_order_id for x in book.drain_executions()] == ["run-goog-1"]
    finally:
        broker.close()


def test_a_run_on_live_bars_logs_when_the_market_opens() -> None:
    """A paper run on a live feed asks the calendar at its start (here on the 4th of July)
    and says when the market opens; the trades are the replay's all the same."""
    import threading

    from app.dsl import parse_spec
    from app.feeds.replay import ReplayFeed
    from app.runner import Runner, RunnerOptions
    from app.store import Store
    from tests.test_instruments_mixed import AAA, BTC, SPEC

    class LiveReplay(ReplayFeed):
        live = True

    spec, store = parse_spec(SPEC), Store("sqlite://")
    run = store.create_run(spec.name, SPEC)
    options = RunnerOptions(now=lambda: utc("2024-07-04 15:00"))
    status = Runner(store, run.id, LiveReplay({"AAA": AAA, "BTC/USD": BTC}), options=options).run(
        spec, lambda e: None, threading.Event()
    )
    assert status != "failed" and len(store.trades(run.id)) == 2  # a live feed's end stops
    assert [e.message for e in store.events(run.id) if e.kind == "market"] == [
        "the US stock market is closed until 2024-07-05 09:30 New York (at the start)"
    ]
