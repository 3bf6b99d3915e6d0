"""Alpaca's live bar stream through alpaca-py's real StockDataStream against a loopback
websocket fake: subscribe, bars, a dropped connection, reconnecting, and catching up from
the historical endpoint without gaps or duplicates; the poller never hands out a bar
that is still forming."""

from __future__ import annotations

import queue
import threading
from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pandas as pd

from app.feeds.alpaca import AlpacaFeed
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca
from tests.fakes.alpaca_stream import FakeAlpacaStream

NY = ZoneInfo("America/New_York")
T0 = datetime(2024, 3, 5, 9, 30, tzinfo=NY)


def _minute(k: int) -> datetime:
    return T0 + timedelta(minutes=k)


class _Pump:
    """The feed's batches on a thread, as a runner reads them; :meth:`close` stops the
    feed and waits until it (and the SDK's stream threads) have ended, while the fakes
    still serve, so no stream is left reconnecting to a closed port."""

    def __init__(self, feed: AlpacaFeed) -> None:
        self.stop, self.out = threading.Event(), queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(feed,), daemon=True)
        self.thread.start()

    def _pump(self, feed: AlpacaFeed) -> None:
        for batch in feed.batches(None, self.stop):
            self.out.put(batch)

    def get(self, timeout: float) -> object:
        return self.out.get(timeout=timeout)

    def empty(self) -> bool:
        return self.out.empty()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(20)
        assert not self.thread.is_alive()
        assert not [t for t in threading.enumerate() if t.name == "alpaca-stream"]


def _times(batches: list) -> list[str]:
    return [pd.Timestamp(b.time_ns).strftime("%H:%M") for b in batches]


def test_stream_reconnects_and_fills_the_hole_without_duplicates() -> None:
    with FakeAlpacaStream() as stream, FakeAlpaca() as rest:
        missed = [_minute(2).replace(tzinfo=None), _minute(3).replace(tzinfo=None)]
        rest.bars["GOOG"] = pd.DataFrame(
            {
                "open": [12.0, 13.0],
                "high": [12.5, 13.5],
                "low": [11.5, 12.5],
                "close": [12.2, 13.2],
                "volume": [100.0, 100.0],
            },
            index=pd.DatetimeIndex(missed, name="date"),
        )
        feed = AlpacaFeed(KEY_ID, SECRET, ["GOOG"], "1m", url=rest.base_url, stream_url=stream.url)
        got = _Pump(feed)
        try:
            assert stream.wait_connections(1)
            assert stream.subscribed[0] == ["GOOG"]
            for k in (0, 1):
                stream.push("GOOG", _minute(k).astimezone(UTC), 10 + k, 11 + k, 9 + k, 10.5 + k)
            first = [got.get(timeout=10), got.get(timeout=10)]
            stream.drop()  # minutes 2 and 3 happen while the connection is down
            assert stream.wait_connections(2)
            stream.push("GOOG", _minute(1).astimezone(UTC), 1, 1, 1, 1)  # a replay
            stream.push("GOOG", _minute(4).astimezone(UTC), 14, 15, 13, 14.5)
            rest_of = [got.get(timeout=10) for _ in range(3)]
        finally:
            got.close()
    batches = first + rest_of
    assert _times(batches) == ["09:30", "09:31", "09:32", "09:33", "09:34"]
    assert batches[2].bars["GOOG"][3] == 12.2  # filled from history
    assert batches[4].bars["GOOG"][3] == 14.5
    assert got.empty()


def test_the_poller_drops_the_bar_still_forming() -> None:
    now = datetime(2024, 3, 5, 10, 3, tzinfo=NY)  # a fixed clock, inside the session
    start = now - timedelta(minutes=3)
    index = pd.DatetimeIndex(
        [(start + timedelta(minutes=k)).replace(tzinfo=None) for k in range(4)], name="date"
    )  # the last one is forming
    frame = pd.DataFrame(
        {"open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 10.0}, index=index
    )
    feed = AlpacaFeed.__new__(AlpacaFeed)
    feed.symbols, feed.timeframe = ["GOOG"], "1m"
    kept = feed._closed({"GOOG": frame}, now.astimezone(UTC) + timedelta(seconds=20))
    assert list(kept["GOOG"].index) == list(index[:3])


class _Market:
    """A 1-minute GOOG market on a scripted wall clock: each reading of the clock takes
    the next instant, and the fake serves the bars begun by then, the last one with the
    close it has so far when it is still forming (``99.0``) and its final close after."""

    def __init__(self, rest: FakeAlpaca, instants: list[datetime]) -> None:
        self.rest, self.instants, self.read = rest, list(instants), []

    def now(self) -> datetime:
        at = self.instants.pop(0)
        self.read.append(at)
        begun = [_minute(k) for k in range(10) if _minute(k) <= at]
        closes = [99.0 if m + timedelta(minutes=1) > at else 10.0 + k for k, m in enumerate(begun)]
        self.rest.bars["GOOG"] = pd.DataFrame(
            {"open": 10.0, "high": 100.0, "low": 1.0, "close": closes, "volume": 5.0},
            index=pd.DatetimeIndex([m.replace(tzinfo=None) for m in begun], name="date"),
        )
        return at


def test_a_new_run_warms_up_on_closed_bars_and_goes_live_after_the_last() -> None:
    """The warm-up leaves out the minute still forming; the poller hands that minute out
    once it has closed, with its final values, and nothing of the warm-up again."""
    at = [
        _minute(4) + timedelta(seconds=20),  # the warm-up: 09:30..09:33 closed, 09:34 forms
        _minute(4) + timedelta(seconds=40),  # 09:34 still forming: nothing
        _minute(5) + timedelta(seconds=1),  # 09:34 closed; 09:35 forming
        _minute(5) + timedelta(seconds=30),  # nothing new
        _minute(6) + timedelta(seconds=2),
    ]  # 09:35 closed
    with FakeAlpaca() as rest:
        market = _Market(rest, at)
        # poll_seconds polls 1m bars too (the stream serves them otherwise); 0: no waiting
        feed = AlpacaFeed(
            KEY_ID, SECRET, ["GOOG"], "1m", url=rest.base_url, poll_seconds=0, now=market.now
        )
        warm = feed.history(None)
        stop = threading.Event()
        live = feed.batches(None, stop)
        got = [next(live), next(live)]
        stop.set()
        live.close()
    assert [t.strftime("%H:%M") for t in warm["GOOG"].index] == ["09:30", "09:31", "09:32", "09:33"]
    assert warm["GOOG"]["close"].tolist() == [10.0, 11.0, 12.0, 13.0]
    assert _times(got) == ["09:34", "09:35"]
    assert [b.bars["GOOG"][3] for b in got] == [14.0, 15.0]  # final, never the forming 99
    assert market.read == at and not market.instants


def test_a_feed_started_without_its_warm_up_hands_out_only_bars_closing_later() -> None:
    at = [_minute(3) + timedelta(seconds=10), _minute(4) + timedelta(seconds=5)]
    with FakeAlpaca() as rest:
        market = _Market(rest, at)
        feed = AlpacaFeed(
            KEY_ID, SECRET, ["GOOG"], "1m", url=rest.base_url, poll_seconds=0, now=market.now
        )
        live = feed.batches(None, threading.Event())
        got = next(live)
        live.close()
    assert _times([got]) == ["09:33"] and got.bars["GOOG"][3] == 13.0


def test_the_stream_starts_after_the_warm_up_and_fills_the_minutes_between() -> None:
    """The warm-up ends at the last closed minute; the minute forming then is not on the
    stream (it began before the subscription), so it is fetched once final, and the first
    batches run on from the warm-up without a gap or a repeat."""
    at = [
        _minute(2) + timedelta(seconds=30),  # warm-up: 09:30, 09:31; 09:32 forming
        _minute(4) + timedelta(seconds=1),
    ]  # later: 09:32 and 09:33 final on REST
    with FakeAlpacaStream() as stream, FakeAlpaca() as rest:
        market = _Market(rest, at)
        feed = AlpacaFeed(
            KEY_ID, SECRET, ["GOOG"], "1m", url=rest.base_url, stream_url=stream.url, now=market.now
        )
        warm = feed.history(None)
        got = _Pump(feed)
        try:
            assert stream.wait_connections(1)
            market.now()
            stream.push("GOOG", _minute(3).astimezone(UTC), 10, 100, 1, 13)
            batches = [got.get(timeout=10), got.get(timeout=10)]
        finally:
            got.close()
    assert [t.strftime("%H:%M") for t in warm["GOOG"].index] == ["09:30", "09:31"]
    assert _times(batches) == ["09:32", "09:33"]
    assert [b.bars["GOOG"][3] for b in batches] == [12.0, 13.0]
    assert got.empty()


def test_a_stock_and_a_coin_stream_into_one_clock() -> None:
    """GOOG through StockDataStream and BTC/USD through CryptoDataStream, two connections:
    batches on UTC instants, a minute with both symbols handed out as soon as both have
    reported, a minute with the coin alone once a later minute starts."""
    at = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)  # 09:30 in New York
    with FakeAlpacaStream() as stream, FakeAlpaca() as rest:
        feed = AlpacaFeed(
            KEY_ID, SECRET, ["GOOG", "BTC/USD"], "1m", url=rest.base_url, stream_url=stream.url
        )
        assert feed.clock == "UTC"
        got = _Pump(feed)
        try:
            assert stream.wait_connections(2)
            assert sorted(map(tuple, stream.subscribed)) == [("BTC/USD",), ("GOOG",)]
            stream.push("BTC/USD", at, 60_000, 60_100, 59_900, 60_050)
            stream.push("GOOG", at, 140, 141, 139, 140.5)
            first = got.get(timeout=10)
            stream.push("BTC/USD", at + timedelta(minutes=1), 60_050, 60_060, 60_000, 60_010)
            stream.push("BTC/USD", at + timedelta(minutes=2), 60_010, 60_020, 60_000, 60_015)
            second = got.get(timeout=10)
        finally:
            got.close()
    assert (_times([first]), sorted(first.bars)) == (["14:30"], ["BTC/USD", "GOOG"])
    assert first.bars["GOOG"][3] == 140.5 and first.bars["BTC/USD"][3] == 60_050
    assert (_times([second]), list(second.bars)) == (["14:31"], ["BTC/USD"])
