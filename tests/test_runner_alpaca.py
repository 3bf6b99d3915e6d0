"""A replayed run trading through AlpacaBroker (alpaca-py's real TradingClient) against
the loopback fake, with faults: 5xx, an answer lost after the order was placed, a
rejection, a silent server, failed status queries and partial fills. The run stays alive
and its books agree with the broker's."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from app.broker.alpaca import AlpacaBroker
from app.dsl import load_spec, read_spec_text
from app.feeds.replay import ReplayFeed
from app.market.data_source import load_for_spec
from app.runner import Runner, RunnerOptions
from app.runner import events as ev
from app.store import Store
from tests.conftest import STRATEGIES
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, Fault

SMA = STRATEGIES / "sma_crossover.strategy"
OK = Fault(status=0)
NO_DEADLINE = None
"""The brokers' call timeout here. A deadline races the fake's answer: on a loaded machine
a loopback call can take seconds, and a call past its deadline is abandoned and retried
while its request is still on the way, so the fake meets two requests for one call and
hands the scripted faults out in another order (the retry takes the fault meant for the
next call; the late original can even place an order the book saw rejected). Without a
deadline every call gets its answer, so the fake sees exactly the runner's calls, in
order. Deadlines are tested with a scripted hang in test_broker_alpaca."""


@pytest.fixture
def fake():
    with FakeAlpaca() as server:
        yield server


def run_through_fake(fake, store, run, frames, emit=None):
    spec = load_spec(SMA)
    broker = AlpacaBroker(
        KEY_ID, SECRET, url=fake.base_url, timeout=NO_DEADLINE, retries=1, backoff=0
    )
    seen: list[ev.RunnerEvent] = []
    frame = frames["GOOG"]
    closes = dict(
        zip(
            frame.index.values.astype("datetime64[ns]").view("int64").tolist(),
            frame["close"].tolist(),
        )
    )

    def on_event(e: ev.RunnerEvent) -> None:
        seen.append(e)
        if isinstance(e, ev.BarProcessed):
            fake.prices["GOOG"] = closes[e.time_ns]
        if emit:
            emit(e)

    try:
        status = Runner(
            store, run.id, ReplayFeed(frames), broker, RunnerOptions(max_slippage_bps=1e9)
        ).run(spec, on_event, threading.Event())
    finally:
        fake.release()
        broker.close()
    return status, seen


def assert_books_agree(fake, store, run_id):
    filled = defaultdict(float)
    for f in store.fills(run_id):
        filled[f.client_order_id] += f.qty
    venue = {coid: o.filled_qty for coid, o in fake.orders.items() if o.filled_qty}
    assert dict(filled) == venue
    net = sum(f.qty if f.side == "buy" else -f.qty for f in store.fills(run_id))
    assert net == fake.position_qty("GOOG")
    book = sum(p.qty if p.side == "long" else -p.qty for p in store.positions(run_id))
    assert book == fake.position_qty("GOOG")
    assert len(fake.submits) == len(set(fake.submits))


def test_broker_faults_leave_the_run_alive_and_the_books_consistent(fake):
    spec = load_spec(SMA)
    frames = {"GOOG": load_for_spec(spec)["GOOG"].iloc[:900]}
    fake.script(
        "POST /v2/orders",
        Fault(500),
        Fault(500),
        OK,
        Fault(500, then_apply=True),
        OK,
        Fault(403),
        OK,
    )
    fake.script("GET /v2/orders:by_client_order_id", OK, Fault(500), Fault(500), OK, Fault(503))
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SMA), broker="alpaca-paper")

    def go_partial(e: ev.RunnerEvent) -> None:
        """Partial fills from bar 300; the market fills the rest of waiting orders at bar
        400 and again at 800, when full fills come back."""
        if not isinstance(e, ev.BarProcessed):
            return
        if e.bars_done == 300:
            fake.fill, fake.partial_ratio = "partial", 0.5
        if e.bars_done in (400, 800):
            fake.fill_open_orders()
        if e.bars_done == 800:
            fake.fill = "now"

    status, seen = run_through_fake(fake, store, run, frames, go_partial)
    assert status == "finished"
    faults = [e for e in seen if isinstance(e, ev.BrokerFault)]
    assert len(faults) >= 2
    assert any(e.kind == "broker_fault" for e in store.events(run.id))
    rejected = [o for o in store.orders(run.id) if o.status == "rejected"]
    assert len(rejected) == 1 and rejected[0].note
    assert any(t.qty == 5 for t in store.trades(run.id))  # a partial entry, booked as such
    assert_books_agree(fake, store, run.id)
    orders = store.orders(run.id)
    assert len({o.client_order_id for o in orders}) == len(orders)


def test_a_restarted_run_reconciles_with_the_broker(fake):
    """Stopped mid-run, then resumed: the orders the broker holds are found by client
    order id, nothing is sent twice, and the books still agree."""
    spec = load_spec(SMA)
    frames = {"GOOG": load_for_spec(spec)["GOOG"].iloc[:600]}
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SMA), broker="alpaca-paper")
    spec = load_spec(SMA)
    stop = threading.Event()
    broker = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=NO_DEADLINE, retries=0)
    try:

        def halt(e):
            if isinstance(e, ev.BarProcessed) and e.bars_done == 300:
                stop.set()

        Runner(store, run.id, ReplayFeed(frames), broker, RunnerOptions(max_slippage_bps=1e9)).run(
            spec, halt, stop
        )
    finally:
        broker.close()
    before = list(fake.submits)
    status, seen = run_through_fake(fake, store, run, frames)
    assert status == "finished"
    assert fake.submits[: len(before)] == before
    assert any(isinstance(e, ev.Reconciled) and not e.mismatches for e in seen)
    assert_books_agree(fake, store, run.id)


def _day_trader_frames() -> dict:
    """GOOG 5-minute bars, 2024-03-04 to 03-06 (regular hours), closing up and down in
    turn: each up bar enters, each down bar exits, all within the day."""
    import numpy as np
    import pandas as pd

    days = pd.date_range("2024-03-04", periods=3, freq="D")
    times = [d + pd.Timedelta(minutes=570 + 5 * k) for d in days for k in range(78)]
    up = np.arange(len(times)) % 2 == 0
    open_ = np.full(len(times), 100.0)
    close = np.where(up, 101.0, 99.0)
    return {
        "GOOG": pd.DataFrame(
            {"open": open_, "high": 102.0, "low": 98.0, "close": close, "volume": 1000.0},
            index=pd.DatetimeIndex(times, name="date"),
        )
    }


@pytest.mark.parametrize(("multiplier", "margin"), [(2, True), (1, False)])
def test_the_pdt_rule_binds_a_margin_account_only(fake, multiplier, margin):
    """Under $25,000 of equity a margin account stops at three day trades in five
    sessions; a cash account (Alpaca's multiplier 1) is not under the rule."""
    from app.dsl import parse_spec

    text = (
        'strategy "dt"\nuniverse GOOG\ntimeframe 5m\nlong when close > open\n'
        "exit when close < open\nsize 10 shares\n"
    )
    spec = parse_spec(text)
    fake.multiplier = multiplier
    store = Store("sqlite://")
    run = store.create_run(spec.name, text, broker="alpaca-paper", cash=10_000)
    broker = AlpacaBroker(KEY_ID, SECRET, url=fake.base_url, timeout=NO_DEADLINE, retries=0)
    try:
        status = Runner(
            store,
            run.id,
            ReplayFeed(_day_trader_frames()),
            broker,
            RunnerOptions(max_slippage_bps=1e9),
        ).run(spec, lambda e: None, threading.Event())
    finally:
        broker.close()
    assert status == "finished"
    trades = store.trades(run.id)
    events = [e.message for e in store.events(run.id)]
    told = any("cash account" in m for m in events)
    if margin:
        assert len(trades) == 3 and not told
        assert any(
            d.reasons and "PDT" in "; ".join(d.reasons)
            for d in store.decisions(run.id)
            if not d.approved
        )
    else:
        assert len(trades) > 100 and told
