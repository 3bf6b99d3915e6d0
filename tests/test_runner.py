"""The runner in process: parity with the backtest, events, stop and resume, control
commands and limits, on the replay feed and the simulated paper broker."""

from __future__ import annotations

import threading

import pytest

from app.backtest import run_backtest
from app.dsl import load_spec, parse_spec, read_spec_text
from app.feeds.replay import ReplayFeed
from app.market.data_source import load_for_spec
from app.runner import Runner
from app.runner import events as ev
from app.store import Store
from tests.conftest import STRATEGIES

SMA = STRATEGIES / "sma_crossover.strategy"


@pytest.fixture(scope="module")
def goog():
    spec = load_spec(SMA)
    return spec, load_for_spec(spec)


def key(t):
    return (
        t.symbol,
        t.side,
        t.entry_time_ns,
        t.exit_time_ns,
        round(t.entry_price, 9),
        round(t.exit_price, 9),
        t.qty,
        t.exit_reason,
    )


def run_once(store, spec, frames, run=None, stop=None, emit=None):
    run = run or store.create_run(spec.name, read_spec_text(SMA))
    status = Runner(store, run.id, ReplayFeed(frames)).run(
        spec, emit or (lambda e: None), stop or threading.Event()
    )
    return run, status


def test_replay_gives_the_backtests_33_trades(goog):
    spec, frames = goog
    store = Store("sqlite://")
    run, status = run_once(store, spec, frames)
    bt = run_backtest(spec, frames)
    assert status == "finished"
    trades = store.trades(run.id)
    assert sorted(map(key, trades)) == sorted(map(key, bt.trades))
    [pos] = store.positions(run.id)
    [bt_pos] = bt.open_positions
    assert (pos.symbol, pos.entry_time_ns, pos.entry_price, pos.qty) == (
        bt_pos.symbol,
        bt_pos.entry_time_ns,
        bt_pos.entry_price,
        bt_pos.qty,
    )
    assert len(trades) + 1 == 33
    orders = store.orders(run.id)
    assert len({o.client_order_id for o in orders}) == len(orders) == 65
    assert all(o.status == "filled" for o in orders)
    assert len(store.fills(run.id)) == 65
    assert store.get_run(run.id).status == "finished"


def test_a_run_in_its_own_process_freezes_start_ups_objects_and_thaws_them_after(goog):
    """freeze_gc (parley run / resume): the bars run with start-up's objects out of the
    cycle collector's passes, the same trades as without, and nothing stays frozen."""
    import gc

    from app.runner import RunnerOptions

    spec, frames = goog
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SMA))
    frozen: list[int] = []

    def emit(e):
        if isinstance(e, ev.BarProcessed):
            frozen.append(gc.get_freeze_count())

    assert (
        Runner(store, run.id, ReplayFeed(frames), None, RunnerOptions(freeze_gc=True)).run(
            spec, emit, threading.Event()
        )
        == "finished"
    )
    assert frozen and min(frozen) > 10_000 and gc.get_freeze_count() == 0
    plain, _ = run_once(store, spec, frames)
    assert sorted(map(key, store.trades(run.id))) == sorted(map(key, store.trades(plain.id)))


def test_events_come_in_order(goog):
    spec, frames = goog
    seen: list[ev.RunnerEvent] = []
    store = Store("sqlite://")
    run_once(store, spec, frames, emit=seen.append)
    assert isinstance(seen[0], ev.Started) and isinstance(seen[-1], ev.Finished)
    bars = [e for e in seen if isinstance(e, ev.BarProcessed)]
    assert len(bars) == len(frames["GOOG"])
    assert sum(isinstance(e, ev.Filled) for e in seen) == 65
    first_order = next(i for i, e in enumerate(seen) if isinstance(e, ev.OrderSubmitted))
    first_fill = next(i for i, e in enumerate(seen) if isinstance(e, ev.Filled))
    assert first_order < first_fill


def test_stopped_and_resumed_run_equals_an_uninterrupted_one(goog):
    spec, frames = goog
    store = Store("sqlite://")
    stop = threading.Event()
    count = [0]

    def stop_after(e: ev.RunnerEvent) -> None:
        if isinstance(e, ev.BarProcessed):
            count[0] += 1
            if count[0] in (400, 1300):
                stop.set()

    run, status = run_once(store, spec, frames, stop=stop, emit=stop_after)
    assert status == "stopped"
    assert store.get_run(run.id).bars_done == 400
    for expected in ("stopped", "finished"):
        stop.clear()
        _, status = run_once(store, spec, frames, run=run, stop=stop, emit=stop_after)
        assert status == expected
    bt = run_backtest(spec, frames)
    assert sorted(map(key, store.trades(run.id))) == sorted(map(key, bt.trades))
    orders = store.orders(run.id)
    assert len({o.client_order_id for o in orders}) == len(orders) == 65


def test_pause_blocks_entries_and_flatten_closes(goog):
    spec, frames = goog
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SMA))
    posted = []

    def control(e: ev.RunnerEvent) -> None:
        if isinstance(e, ev.BarProcessed) and e.bars_done == 200 and not posted:
            posted.append(store.post_command(run.id, "flatten"))

    _, status = run_once(store, spec, frames, run=run, emit=control)
    assert status == "finished"
    row = store.get_run(run.id)
    assert [e.message for e in store.events(run.id) if e.kind == "command"] == ["flatten"]
    assert store.positions(run.id) == []
    reasons = [r for d in store.decisions(run.id) for r in d.reasons]
    assert any(r.startswith("paused:") for r in reasons)
    assert any(t.exit_reason == "flatten" for t in store.trades(run.id)) or all(
        t.exit_time_ns <= row.last_bar_ns for t in store.trades(run.id)
    )


def test_a_restarted_run_says_its_entries_are_still_paused(goog):
    """flatten, stop, resume: the pause is kept (flatten may have been a risk call), and
    the restart says so and how to lift it, instead of vetoing every entry in silence."""
    spec, frames = goog
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(SMA))
    stop = threading.Event()

    def control(e: ev.RunnerEvent) -> None:
        if isinstance(e, ev.BarProcessed) and e.bars_done == 200:
            store.post_command(run.id, "flatten")
        if isinstance(e, ev.BarProcessed) and e.bars_done == 210:
            stop.set()

    assert run_once(store, spec, frames, run=run, stop=stop, emit=control)[1] == "stopped"
    seen: list[ev.RunnerEvent] = []
    stop = threading.Event()
    stop_soon = lambda e: seen.append(e) or (isinstance(e, ev.BarProcessed) and stop.set())
    run_once(store, spec, frames, run=run, stop=stop, emit=stop_soon)
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert any(
        n.startswith("entries stay paused (flattened by the user)")
        and f"`parley resume {run.id}` again lifts the pause" in n
        for n in started.notes
    )
    fresh: list[ev.RunnerEvent] = []
    run_once(store, spec, frames, emit=fresh.append)  # a new run has no such note
    assert not [n for e in fresh if isinstance(e, ev.Started) for n in e.notes if "paused" in n]


@pytest.mark.parametrize(
    ("command", "reason"), [("kill", "kill switch"), (None, "stopped by the user")]
)
def test_a_stop_by_signal_names_the_kill_switch_when_one_was_posted(goog, command, reason):
    """The kill switch posts its command, then signals the process: whichever the runner
    sees first, the run records 'kill switch' (the TUI's K and `parley kill` alike)."""
    spec, frames = goog
    store = Store("sqlite://")
    stop = threading.Event()

    def at_100(e: ev.RunnerEvent) -> None:
        if isinstance(e, ev.BarProcessed) and e.bars_done == 100:
            if command:
                store.post_command(None, command)
            stop.set()  # the SIGTERM, before the next bar reads its commands

    run, status = run_once(store, spec, frames, stop=stop, emit=at_100)
    row = store.get_run(run.id)
    assert (status, row.reason) == ("stopped", reason)


def test_a_tripped_limit_pauses_the_run_and_says_why(goog):
    _, frames = goog
    text = read_spec_text(SMA).replace("size 10 shares", "size 90% of equity\nmax drawdown 3%")
    spec = parse_spec(text)
    store = Store("sqlite://")
    run = store.create_run(spec.name, text)
    seen: list[ev.RunnerEvent] = []
    Runner(store, run.id, ReplayFeed(frames)).run(spec, seen.append, threading.Event())
    tripped = [e for e in seen if isinstance(e, ev.LimitTripped)]
    assert tripped and tripped[0].limit == "max_drawdown"
    row = store.get_run(run.id)
    assert row.status == "finished"
    assert any(e.message.startswith("max drawdown stop") for e in store.events(run.id))
    assert any(e.kind == "limit" for e in store.events(run.id))
    after = [d for d in store.decisions(run.id) if not d.approved]
    assert after and "paused" in after[-1].reasons[0]


def test_circuit_breaker_trips_on_a_fast_move(goog):
    _, frames = goog
    text = read_spec_text(SMA).replace("size 10 shares", "size 10 shares\ncircuit breaker 9%")
    spec = parse_spec(text)
    store = Store("sqlite://")
    run = store.create_run(spec.name, text)
    seen: list[ev.RunnerEvent] = []
    Runner(store, run.id, ReplayFeed(frames)).run(spec, seen.append, threading.Event())
    assert [e.limit for e in seen if isinstance(e, ev.LimitTripped)] == ["circuit_breaker"]
    assert any("GOOG moved" in e.message for e in store.events(run.id))


def test_the_pdt_rule_vetoes_a_fourth_day_trade():
    from app.runner.limits import LimitState, Limits, RunnerRiskGate

    spec = load_spec(SMA)
    state = LimitState(
        day="2024-01-05",
        recent_days=["2024-01-03", "2024-01-04", "2024-01-05"],
        day_trades=["2024-01-03", "2024-01-04", "2024-01-05"],
    )
    gate = RunnerRiskGate(spec, Limits(spec, state))

    class Book:
        def equity(self):
            return 20_000.0

        def open_positions(self):
            return 0

        def gross_exposure(self):
            return 0.0

    verdict = gate.check(10, 100.0, False, Book())
    assert not verdict.approved and verdict.reasons[0].startswith("PDT")
    assert gate.check(10, 100.0, True, Book()).approved  # crypto is exempt


def test_slippage_anomaly_is_detected():
    from app.runner.limits import LimitState, Limits

    limits = Limits(load_spec(SMA), LimitState(), max_slippage_bps=50)
    assert limits.slippage("GOOG", 1, 100.2, 100.0) is None
    name, message = limits.slippage("GOOG", 1, 101.0, 100.0)
    assert name == "slippage" and "100 bps" in message
    assert limits.slippage("GOOG", -1, 101.0, 100.0) is None  # a sale above is a gain


# --------------------------------------------------------------------------- parity
EXAMPLES = sorted(STRATEGIES.glob("*.strategy"))
NOT_ON_BUNDLED_DATA = {
    "sp500_momentum": "505 stocks through the live path take minutes (106 s of CPU for 20 of "
    "them): a benchmark, not a unit test; its backtest is tested apart",
}


def limit_trips(store, run_id):
    return [(e.data["limit"], e.data["bar_ns"]) for e in store.events(run_id) if e.kind == "limit"]


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_replays_to_its_backtest(path):
    """Trades, open positions, every decision (with its reasons) and every limit trip."""
    if path.stem in NOT_ON_BUNDLED_DATA:
        pytest.skip(NOT_ON_BUNDLED_DATA[path.stem])
    spec = load_spec(path)
    frames = load_for_spec(spec)
    bt = run_backtest(spec, frames)
    store = Store("sqlite://")
    run = store.create_run(spec.name, read_spec_text(path))
    assert (
        Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
        == "finished"
    )
    assert sorted(map(key, store.trades(run.id))) == sorted(map(key, bt.trades))
    assert sorted((p.symbol, p.entry_time_ns, p.qty) for p in store.positions(run.id)) == sorted(
        (p.symbol, p.entry_time_ns, p.qty) for p in bt.open_positions
    )
    assert [
        (d.time_ns, d.symbol, d.approved, d.qty, d.reasons) for d in store.decisions(run.id)
    ] == [(d.time_ns, d.symbol, d.approved, d.qty, d.reasons) for d in bt.decisions]
    assert limit_trips(store, run.id) == [(e.limit, e.time_ns) for e in bt.limit_events]


def test_the_daily_loss_limit_pauses_the_run_until_the_next_day():
    from tests.test_backtest_limits import CRASH, RULES

    text = RULES.format(symbols="AAA, BBB", limits="max daily loss 5%")
    spec = parse_spec(text)
    store = Store("sqlite://")
    run = store.create_run(spec.name, text)
    seen: list[ev.RunnerEvent] = []
    Runner(store, run.id, ReplayFeed(CRASH)).run(spec, seen.append, threading.Event())
    kinds = [
        type(e).__name__ for e in seen if isinstance(e, (ev.LimitTripped, ev.Paused, ev.Resumed))
    ]
    assert kinds == ["LimitTripped", "Paused", "Resumed"]
    [trip] = [e for e in store.events(run.id) if e.kind == "limit"]
    assert trip.message.endswith("no new entries for the rest of the day")
    assert any(e.kind == "resumed" for e in store.events(run.id))
    assert store.get_run(run.id).status == "finished"
    bt = run_backtest(spec, CRASH)
    assert sorted(map(key, store.trades(run.id))) == sorted(map(key, bt.trades))
    assert limit_trips(store, run.id) == [(e.limit, e.time_ns) for e in bt.limit_events]
    bbb = [p for p in store.positions(run.id) if p.symbol == "BBB"]
    assert [p.entry_time_ns for p in bbb] == [
        p.entry_time_ns for p in bt.open_positions if p.symbol == "BBB"
    ]


def test_a_person_may_resume_after_a_drawdown_stop(goog):
    _, frames = goog
    text = read_spec_text(SMA).replace("size 10 shares", "size 90% of equity\nmax drawdown 3%")
    spec = parse_spec(text)
    store = Store("sqlite://")
    run = store.create_run(spec.name, text)
    seen: list[ev.RunnerEvent] = []

    def resume_once(e: ev.RunnerEvent) -> None:
        seen.append(e)
        if (
            isinstance(e, ev.LimitTripped)
            and sum(isinstance(x, ev.LimitTripped) for x in seen) == 1
        ):
            store.post_command(run.id, "resume")

    Runner(store, run.id, ReplayFeed(frames)).run(spec, resume_once, threading.Event())
    names = [
        type(e).__name__ for e in seen if isinstance(e, (ev.LimitTripped, ev.Paused, ev.Resumed))
    ]
    assert names[:4] == ["LimitTripped", "Paused", "Resumed", "LimitTripped"]
    kinds = [e.kind for e in store.events(run.id)]
    assert kinds[kinds.index("limit") :][:4] == ["limit", "command", "resumed", "limit"]
    first, second = [e.data["bar_ns"] for e in store.events(run.id) if e.kind == "limit"][:2]
    assert second > first  # measured from the equity at the resume, not the old peak
