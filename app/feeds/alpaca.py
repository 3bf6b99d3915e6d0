"""Alpaca's bars through alpaca-py: history from the historical data clients, live bars
from ``StockDataStream`` / ``CryptoDataStream`` (1-minute), or by polling the historical
endpoint at each bar boundary for coarser timeframes.

History frames are in each venue's wall time (New York for stocks, UTC for crypto), as the
loader gives them; live batches are timed on the run's clock (:mod:`app.instruments.clock`:
UTC when the symbols' zones differ). Crypto pairs (``BTC/USD``) use the crypto clients.
A symbol's class and zone come from :func:`app.instruments.instrument`; a bar is handed
out only once it is final (the REST endpoints also return the bar still forming; the
warm-up leaves it out too), and a run's first live bar is the one after its warm-up's
last; a hole in the stream is filled from history.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, UTC
from typing import Any, cast
from zoneinfo import ZoneInfo

import pandas as pd

from app.errors import ParleyError
from app.feeds.base import Bar, BarBatch
from app.market.alpaca_clients import bars_frame, historical_clients
from app.instruments import instrument
from app.instruments.calendar import bar_is_closed
from app.instruments.clock import run_zone, to_run_clock, zone_of

log = logging.getLogger(__name__)

_STEP = {
    "1m": (1, "Minute"),
    "5m": (5, "Minute"),
    "15m": (15, "Minute"),
    "30m": (30, "Minute"),
    "1h": (1, "Hour"),
    "4h": (4, "Hour"),
    "1d": (1, "Day"),
    "1w": (1, "Week"),
    "1mo": (1, "Month"),
}
_LOOKBACK = {
    "1m": 3,
    "5m": 10,
    "15m": 20,
    "30m": 40,
    "1h": 60,
    "4h": 200,
    "1d": 600,
    "1w": 3000,
    "1mo": 9000,
}
"""Calendar days of history fetched for warm-up, per timeframe."""


def feed_error(err: Exception, url: str) -> ParleyError:
    """What a failed request to Alpaca's data API means, and what to do."""
    status = getattr(err, "status_code", None) or getattr(
        getattr(err, "response", None), "status_code", None
    )
    if status in (401, 403):
        return ParleyError(
            f"Alpaca refused the keys ({status}) at {url}",
            "check APCA_API_KEY_ID and APCA_API_SECRET_KEY",
        )
    name = type(err).__name__
    if "Connection" in name or "Timeout" in name or isinstance(err, OSError):
        return ParleyError(
            f"cannot reach Alpaca's market data at {url} ({name})",
            "check the network (or APCA_API_DATA_URL), then resume the run",
        )
    return ParleyError(
        f"Alpaca's market data failed at {url}: {name}: {str(err)[:200]}",
        "try again later; `parley resume RUN` restarts where it stopped",
    )


class AlpacaFeed:
    """Bars of ``symbols`` at ``timeframe`` from Alpaca's market data API."""

    name = "alpaca"
    live = True

    def __init__(
        self,
        key_id: str,
        secret_key: str,
        symbols: Sequence[str],
        timeframe: str,
        *,
        url: str | None = None,
        stream_url: str | None = None,
        poll_seconds: float | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.symbols = list(symbols)
        self.timeframe = timeframe
        self._keys = (key_id, secret_key)
        self.url = url or "https://data.alpaca.markets"
        self.stock, self.crypto = historical_clients(key_id, secret_key, url)
        self.stream_url = stream_url
        self.poll_seconds = poll_seconds
        self.clock = run_zone(self.symbols)
        """The zone of the batches' times."""
        self.now = now or _wall_clock
        """The wall clock (aware): what decides whether a bar has closed."""
        self.warmed_to: int | None = None
        """The last warm-up bar's time on the run's clock (:meth:`history` of a new run):
        live batches start after it."""

    def history(self, until_ns: int | None) -> dict[str, pd.DataFrame]:
        """The warm-up: bars up to ``until_ns`` (a resumed run's last bar), or, for a new
        run, every bar closed by now (the one forming is left out: the live batches hand
        it out once it is final)."""
        if until_ns is not None:
            end = pd.Timestamp(until_ns).tz_localize(self._zone()).tz_convert("UTC")
            return self.fetch(
                end.to_pydatetime() - timedelta(days=_LOOKBACK[self.timeframe]), end.to_pydatetime()
            )
        now = self.now()
        frames = self._closed(self.fetch(now - timedelta(days=_LOOKBACK[self.timeframe]), now), now)
        ends = [
            int(to_run_clock(f.index[-1:], zone_of(s), self.clock)[0])
            for s, f in frames.items()
            if len(f)
        ]
        self.warmed_to = max(ends) if ends else None
        return frames

    def fetch(self, start: datetime, end: datetime | None = None) -> dict[str, pd.DataFrame]:
        """Bars from ``start`` to ``end``.

        Raises:
            ParleyError: Alpaca cannot be reached, or refuses the keys.
        """
        try:
            return self._fetch(start, end)
        except ParleyError:
            raise  # already a message (app.http's Unreachable)
        except Exception as err:  # alpaca-py raises requests' and its own errors
            raise feed_error(err, self.url) from None

    def _fetch(self, start: datetime, end: datetime | None = None) -> dict[str, pd.DataFrame]:
        from alpaca.data.requests import CryptoBarsRequest, StockBarsRequest
        from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

        amount, unit = _STEP[self.timeframe]
        tf = TimeFrame(amount, getattr(TimeFrameUnit, unit))
        out: dict[str, pd.DataFrame] = {}
        coins = [s for s in self.symbols if instrument(s).asset_class == "crypto"]
        stocks = [s for s in self.symbols if s not in coins]
        if stocks:
            asked = StockBarsRequest(symbol_or_symbols=stocks, timeframe=tf, start=start, end=end)
            out.update(_frames(self.stock.get_stock_bars(asked)))
        if coins:
            req = CryptoBarsRequest(symbol_or_symbols=coins, timeframe=tf, start=start, end=end)
            out.update(_frames(self.crypto.get_crypto_bars(req)))
        return out

    def batches(self, after_ns: int | None, stop: threading.Event) -> Iterator[BarBatch]:
        """Bars after ``after_ns`` (a new run: after its warm-up's last bar, else those
        that close from now on), each once, only once final."""
        if after_ns is None:
            after_ns = self.warmed_to
        if self.timeframe == "1m" and self.poll_seconds is None:
            yield from self._streamed(after_ns, stop)
        else:
            yield from self._polled(after_ns, stop)

    # ----------------------------------------------------------------- live bars
    def _polled(self, after_ns: int | None, stop: threading.Event) -> Iterator[BarBatch]:
        """Poll the historical endpoint; a bar is handed out only once it is final (its
        period, or its session, has ended): the endpoint also returns the bar forming.
        With no bar to start after, the bars closed before the first poll are old news:
        the first handed out is the next to close."""
        wait = (
            self.poll_seconds
            if self.poll_seconds is not None
            else 60.0 * _minutes(self.timeframe) / 4
        )
        last, first = after_ns, after_ns is None
        while not stop.is_set():
            now = self.now()
            since = (
                now - timedelta(days=2)
                if last is None
                else pd.Timestamp(last).tz_localize(self._zone()).tz_convert("UTC").to_pydatetime()
            )
            batches = _batched(self._closed(self.fetch(since), now), self.clock)
            if first:
                first = False
                length = timedelta(minutes=_minutes(self.timeframe))
                last = batches[-1].time_ns if batches else _local_ns(now - length, self.clock)
                batches = []
            for batch in batches:
                if last is None or batch.time_ns > last:
                    last = batch.time_ns
                    yield batch
            if stop.wait(wait):
                return

    def _closed(self, frames: dict[str, pd.DataFrame], now: datetime) -> dict[str, pd.DataFrame]:
        """The bars of ``frames`` that are final at ``now`` (wall clock, aware)."""
        length = timedelta(minutes=_minutes(self.timeframe))
        out = {}
        for symbol, frame in frames.items():
            inst = instrument(symbol)
            zone = ZoneInfo(inst.timezone)
            keep = [
                bar_is_closed(inst, t.to_pydatetime().replace(tzinfo=zone), length, now)
                for t in frame.index
            ]
            if any(keep):
                out[symbol] = frame[keep]
            if not all(keep):
                log.debug("%s: dropped %d forming bar(s)", symbol, keep.count(False))
        return out

    def _streamed(self, after_ns: int | None, stop: threading.Event) -> Iterator[BarBatch]:
        from alpaca.data.live import CryptoDataStream, StockDataStream

        bars: queue.Queue[Any] = queue.Queue()

        async def on_bar(bar: Any) -> None:
            bars.put(bar)

        streams = []
        coins = [s for s in self.symbols if instrument(s).asset_class == "crypto"]
        for kind, symbols in (
            (StockDataStream, [s for s in self.symbols if s not in coins]),
            (CryptoDataStream, coins),
        ):
            if symbols:
                stream = kind(*self._keys, url_override=self.stream_url)
                stream.subscribe_bars(on_bar, *symbols)
                thread = threading.Thread(target=stream.run, daemon=True, name="alpaca-stream")
                thread.start()
                streams.append((stream, thread))
        try:
            yield from self._group(bars, after_ns, stop)
        finally:
            for stream, thread in streams:
                _stop_stream(stream, thread)

    def _group(
        self, bars: queue.Queue[Any], after_ns: int | None, stop: threading.Event
    ) -> Iterator[BarBatch]:
        """Bars of one minute are handed out together once a later minute starts, or as
        soon as every symbol has reported. Nothing at or before the last minute handed
        out is handed out again (a replayed or late bar), and a hole in the minutes (a
        dropped connection: the stream does not replay what it missed) is filled from
        the historical endpoint first, so the batches have no gap and no duplicate."""
        pending: dict[int, dict[str, Bar]] = {}
        last = after_ns
        while not stop.is_set():
            try:
                bar = bars.get(timeout=1.0)
            except queue.Empty:
                bar = None
            if bar is not None:
                t = _local_ns(bar.timestamp, self.clock)
                if last is None or t > last:
                    pending.setdefault(t, {})[bar.symbol] = (
                        bar.open,
                        bar.high,
                        bar.low,
                        bar.close,
                        bar.volume,
                    )
            ready = sorted(pending)
            for t in ready[:-1] + (
                [ready[-1]] if ready and len(pending[ready[-1]]) == len(self.symbols) else []
            ):
                yield from self._missed(last, t)
                last = t
                yield BarBatch(t, pending.pop(t))

    def _missed(self, last: int | None, upto: int) -> list[BarBatch]:
        """Bars strictly between ``last`` and ``upto`` (one minute apart or more), fetched
        from the historical endpoint after a hole in the stream."""
        step = int(_minutes(self.timeframe) * 60e9)
        if last is None or upto - last <= step:
            return []
        start = pd.Timestamp(last + step).tz_localize(self._zone()).tz_convert("UTC")
        end = pd.Timestamp(upto - step).tz_localize(self._zone()).tz_convert("UTC")
        log.info("stream hole from %s to %s: fetching the missed bars", start, end)
        batches = _batched(self.fetch(start.to_pydatetime(), end.to_pydatetime()), self.clock)
        return [b for b in batches if last < b.time_ns < upto]

    # ----------------------------------------------------------------- helpers
    def _zone(self) -> str:
        return self.clock


def _frames(barset: Any) -> dict[str, pd.DataFrame]:
    """Each symbol's bars in its venue's wall time (:func:`bars_frame`)."""
    return {
        symbol: bars_frame(rows, zone_of(symbol)) for symbol, rows in barset.data.items() if rows
    }


def _stop_stream(stream: Any, thread: threading.Thread, seconds: float = 10.0) -> None:
    """Stop an alpaca-py stream and wait for its thread to end, so a stopped feed leaves
    no connection retrying behind it. A stream whose loop has not started yet cannot take
    the stop (the SDK raises AttributeError): it is asked again until its thread ends."""
    tries = max(1, int(seconds / 0.25))
    for _ in range(tries):
        try:
            stream.stop()
        except AttributeError:
            pass
        except Exception as err:  # noqa: BLE001 - a stop that fails is retried, then logged
            log.debug("stopping the bar stream: %s", err)
        thread.join(0.25)
        if not thread.is_alive():
            return
    log.warning("the bar stream did not stop within %.0f s", seconds)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _minutes(timeframe: str) -> float:
    amount, unit = _STEP[timeframe]
    return amount * {"Minute": 1, "Hour": 60, "Day": 1440}[unit]


def _local(ts: datetime, zone: str) -> pd.Timestamp:
    return pd.Timestamp(ts).tz_convert(zone).tz_localize(None)


def _local_ns(ts: datetime, zone: str) -> int:
    return int(_local(ts, zone).as_unit("ns").value)


def _batched(frames: dict[str, pd.DataFrame], clock: str) -> list[BarBatch]:
    """The frames' bars grouped by time on the run's ``clock``."""
    by_time: dict[int, dict[str, Bar]] = {}
    for symbol, frame in frames.items():
        times = to_run_clock(frame.index, zone_of(symbol), clock)
        for t, row in zip(times.tolist(), frame.itertuples(index=False)):
            by_time.setdefault(t, {})[symbol] = cast(Bar, tuple(float(x) for x in row))
    return [BarBatch(t, by_time[t]) for t in sorted(by_time)]
