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


def _collect(feed: AlpacaFeed, stop: threading.Event) -> queue.Queue:
    out: queue.Queue = queue.Queue()

    def pump() -> None:
        for batch in feed.batches(None, stop):
            out.put(batch)
    threading.Thread(target=pump, daemon=True).start()
    return out


def _times(batches: list) -> list[str]:
    return [pd.Timestamp(b.time_ns).strftime("%H:%M") for b in batches]


def test_stream_reconnects_and_fills_the_hole_without_duplicates() -> None:
    with FakeAlpacaStream() as stream, FakeAlpaca() as rest:
        missed = [_minute(2).replace(tzinfo=None), _minute(3).replace(tzinfo=None)]
        rest.bars["GOOG"] = pd.DataFrame(
            {"open": [12.0, 13.0], "high": [12.5, 13.5], "low": [11.5, 12.5],
             "close": [12.2, 13.2], "volume": [100.0, 100.0]},
            index=pd.DatetimeIndex(missed, name="date"))
        feed = AlpacaFeed(KEY_ID, SECRET, ["GOOG"], "1m", url=rest.base_url,
                          stream_url=stream.url)
        stop = threading.Event()
        got = _collect(feed, stop)
        try:
            assert stream.wait_connections(1)
            assert stream.subscribed[0] == ["GOOG"]
            for k in (0, 1):
                stream.push("GOOG", _minute(k).astimezone(UTC), 10 + k, 11 + k,
                            9 + k, 10.5 + k)
            first = [got.get(timeout=10), got.get(timeout=10)]
            stream.drop()  # minutes 2 and 3 happen while the connection is down
            assert stream.wait_connections(2)
            stream.push("GOOG", _minute(1).astimezone(UTC), 1, 1, 1, 1)  # a replay
            stream.push("GOOG", _minute(4).astimezone(UTC), 14, 15, 13, 14.5)
            rest_of = [got.get(timeout=10) for _ in range(3)]
        finally:
            stop.set()
    batches = first + rest_of
    assert _times(batches) == ["09:30", "09:31", "09:32", "09:33", "09:34"]
    assert batches[2].bars["GOOG"][3] == 12.2  # filled from history
    assert batches[4].bars["GOOG"][3] == 14.5
    assert got.empty()


def test_the_poller_drops_the_bar_still_forming() -> None:
    now = datetime(2024, 3, 5, 10, 3, tzinfo=NY)  # a fixed clock, inside the session
    start = now - timedelta(minutes=3)
    index = pd.DatetimeIndex([(start + timedelta(minutes=k)).replace(tzinfo=None)
                              for k in range(4)], name="date")  # the last one is forming
    frame = pd.DataFrame({"open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5,
                          "volume": 10.0}, index=index)
    feed = AlpacaFeed.__new__(AlpacaFeed)
    feed.symbols, feed.timeframe = ["GOOG"], "1m"
    kept = feed._closed({"GOOG": frame}, now.astimezone(UTC) + timedelta(seconds=20))
    assert list(kept["GOOG"].index) == list(index[:3])
