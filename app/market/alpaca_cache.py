"""Alpaca's historical bars for backtests: downloaded through alpaca-py, kept in a local cache.

``--data alpaca`` (``alpaca:iex``, the default feed, or ``alpaca:sip``) fetches each symbol
at the spec's timeframe with alpaca-py's historical data clients (stocks, and crypto pairs
such as ``BTC/USD``), built by :func:`app.market.alpaca_clients.historical_clients` as the live feed
builds them. Bars are kept as ``<home>/cache/bars/<feed>/<timeframe>/SYMBOL.csv`` (crypto
under the feed ``crypto``) beside ``SYMBOL.json``, the dates that were asked for, and are
always read back through :func:`app.market.loader.load_bars`: checked like any CSV file.

A later run reuses the cache: nothing is fetched when it covers the dates asked for, else
only the tail from the last complete cached bar on. If that bar came back different, a
split or dividend re-adjusted history and the symbol is fetched whole; so is a request
starting before the cache. Prices are adjusted for splits and dividends; bars still
forming are left out; times are New York wall-clock for stocks and UTC for crypto, as in
the live feed. Weekly and monthly specs use daily bars (the caller resamples them).

Every failure is a :class:`DataError` that says what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from app.market.dates import parse_date
from app.instruments import instrument
from app.market.alpaca_clients import bars_frame
from app.market.errors import DataError
from app.market.loader import COLUMNS, TIMEFRAMES, load_bars
from app.logs import without_password

FEEDS = ("iex", "sip")
DEFAULT_FEED = "iex"
_DAILY = {"1w": "1d", "1mo": "1d"}
"""Timeframes downloaded as daily bars."""
_SPAN_DAYS = {
    "1m": 30,
    "5m": 90,
    "15m": 180,
    "30m": 365,
    "1h": 730,
    "4h": 1095,
    "1d": 1826,
    "1w": 3652,
    "1mo": 7305,
}
"""Calendar days fetched when ``--from`` is not given (5 years of daily bars)."""
_SIP_DELAY = pd.Timedelta(minutes=16)
"""Free plans may not ask for the last 15 minutes of the SIP feed."""


@dataclass(frozen=True)
class _Ask:
    symbol: str
    timeframe: str
    """Of the download (``1d`` for weekly and monthly specs)."""
    feed: str
    zone: str
    first: pd.Timestamp
    last: pd.Timestamp
    now: pd.Timestamp
    """Local wall-clock times, like the bars."""

    @property
    def crypto(self) -> bool:
        return instrument(self.symbol).asset_class == "crypto"


def alpaca_feed(data: object) -> str | None:
    """The stock feed when ``--data`` names Alpaca (``alpaca``, ``alpaca:sip``), else None.

    A folder that happens to be called ``alpaca`` is reached as ``./alpaca``.
    """
    if not isinstance(data, str):
        return None
    name, _, feed = data.strip().lower().partition(":")
    if name != "alpaca":
        return None
    if (feed or DEFAULT_FEED) not in FEEDS:
        raise DataError(
            f"--data {data}: Alpaca has no feed {feed!r} for stock bars. "
            "Use --data alpaca (the iex feed) or --data alpaca:sip."
        )
    return feed or DEFAULT_FEED


def cache_dir(settings: Any) -> Path:
    return Path(settings.home) / "cache" / "bars"


def load_alpaca(
    symbols: Sequence[str],
    timeframe: str,
    *,
    start: Any = None,
    end: Any = None,
    warmup_bars: int = 0,
    feed: str = DEFAULT_FEED,
    settings: Any = None,
    now: pd.Timestamp | None = None,
) -> dict[str, pd.DataFrame]:
    """Bars of ``symbols`` at ``timeframe`` from Alpaca, through the cache.

    Args:
        start, end: ``--from`` and ``--to`` (exchange dates); ``warmup_bars`` more bars are
            fetched before ``start``. Default: the last 5 years for daily bars, less for
            intraday ones (see ``_SPAN_DAYS``).
        now: The current time (UTC), for tests.

    Raises:
        DataError: no keys, refused keys, rate limit, unknown symbol, no bars, no network.
    """
    if settings is None:
        from app.config import load_settings

        settings = load_settings()
    stock, crypto = _clients(settings)
    from app.market.alpaca_assets import use_alpaca_assets

    utc_now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now).tz_convert("UTC")
    use_alpaca_assets(settings, symbols, utc_now.to_pydatetime())  # Alpaca's classes win
    out = {}
    for symbol in dict.fromkeys(s.strip().upper() for s in symbols):
        ask = _ask(symbol, timeframe, feed, start, end, warmup_bars, utc_now)
        folder = cache_dir(settings) / ("crypto" if ask.crypto else feed) / ask.timeframe
        out[symbol] = _cached(
            crypto if ask.crypto else stock, ask, folder, settings.alpaca_data_url
        )
    return out


# --------------------------------------------------------------------------- the request


def _clients(settings: Any) -> tuple[Any, Any]:
    if not settings.alpaca_enabled:
        raise DataError(
            "--data alpaca needs Alpaca keys: APCA_API_KEY_ID and APCA_API_SECRET_KEY are not set.",
            "Set both (free paper-trading keys work for market data), or leave "
            "out --data alpaca to use the bundled data.",
        )
    from app.market.alpaca_clients import historical_clients

    return historical_clients(
        settings.alpaca_key_id.get_secret_value(),
        settings.alpaca_secret_key.get_secret_value(),
        settings.alpaca_data_url,
    )


def _ask(
    symbol: str,
    timeframe: str,
    feed: str,
    start: Any,
    end: Any,
    warmup_bars: int,
    utc_now: pd.Timestamp,
) -> _Ask:
    inst = instrument(symbol)
    crypto, zone = inst.asset_class == "crypto", inst.timezone
    latest = utc_now - (_SIP_DELAY if feed == "sip" and not crypto else pd.Timedelta(0))
    now = latest.tz_convert(zone).tz_localize(None)
    t0, t1 = parse_date(start, "--from"), parse_date(end, "--to")
    last = now if t1 is None else min(_day_end(t1), now)
    if t0 is None:
        first = last - pd.Timedelta(days=_SPAN_DAYS[timeframe])
    else:
        first = t0 - _warmup_span(warmup_bars, timeframe, inst.around_the_clock)
    if first >= last:
        raise DataError(
            f"There are no {symbol} bars to fetch from {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d}: --from must be before --to and before today."
        )
    return _Ask(symbol, _DAILY.get(timeframe, timeframe), feed, zone, first, last, now)


def _day_end(ts: pd.Timestamp) -> pd.Timestamp:
    """A bare date means the whole day."""
    return ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1) if ts == ts.normalize() else ts


def _warmup_span(bars: int, timeframe: str, crypto: bool) -> pd.Timedelta:
    """Calendar time holding ``bars`` bars, with room for weekends, holidays and nights."""
    length = TIMEFRAMES[timeframe]
    if crypto:
        return bars * length * 1.1 + pd.Timedelta(days=1)
    if length < pd.Timedelta(days=1):
        sessions = -(-bars * length // pd.Timedelta(hours=6, minutes=30))
        return pd.Timedelta(days=1.5 * sessions + 4)
    return bars * length * (1.5 if timeframe == "1d" else 1.1) + pd.Timedelta(days=7)


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Held:
    frame: pd.DataFrame
    first: pd.Timestamp
    last: pd.Timestamp


def _cached(client: Any, ask: _Ask, folder: Path, url: str | None) -> pd.DataFrame:
    path = folder / f"{ask.symbol.replace('/', '')}.csv"
    held = _read(path, ask.symbol)
    try:
        if held is not None and ask.first >= held.first and ask.last <= held.last:
            frame = held.frame  # a cache hit: no request at all
        else:
            frame = _refresh(client, ask, held, path, url)
    except DataError as err:
        if held is not None:
            err.hint = (f"{err.hint} " if err.hint else "") + (
                f"Bars up to {held.frame.index[-1]:%Y-%m-%d} are cached: --to with that date "
                "runs on them without Alpaca."
            )
        raise
    window = frame.loc[ask.first : ask.last]
    if window.empty:
        raise _no_bars(ask)
    return window


def _refresh(
    client: Any, ask: _Ask, held: _Held | None, path: Path, url: str | None
) -> pd.DataFrame:
    if held is None or ask.first < held.first or len(held.frame) < 2:
        first, last = ask.first, max(ask.last, held.last) if held is not None else ask.last
        frame = _download(client, ask, first, last, url)
    else:
        first, last = held.first, ask.last
        frame = _extend(client, ask, held, url)
    if frame.empty:
        raise _no_bars(ask)
    _write(path, frame, first, last)
    return load_bars(path, symbols=[ask.symbol])[ask.symbol]


def _extend(client: Any, ask: _Ask, held: _Held, url: str | None) -> pd.DataFrame:
    """The cached bars plus the tail, from the last complete cached bar on."""
    since = held.frame.index[-2]
    tail = _download(client, ask, since, ask.last, url)
    same = (
        since in tail.index
        and (
            (tail.loc[since, list(COLUMNS[:4])] - held.frame.loc[since, list(COLUMNS[:4])]).abs()
            <= 1e-9 * held.frame.loc[since, "close"]
        ).all()
    )
    if not same:  # history was re-adjusted (a split or a dividend): fetch it whole
        return _download(client, ask, held.first, ask.last, url)
    return pd.concat([held.frame.loc[held.frame.index < since], tail])


def _read(path: Path, symbol: str) -> _Held | None:
    """The cached bars and the dates they cover; None when absent or unreadable."""
    try:
        info = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        first, last = pd.Timestamp(info["from"]), pd.Timestamp(info["to"])
        frame = load_bars(path, symbols=[symbol])[symbol]
    except (OSError, ValueError, KeyError, TypeError, DataError):
        return None  # fetched again and rewritten
    return _Held(frame, first, last)


def _write(path: Path, frame: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, index_label="date")
    os.replace(tmp, path)
    meta = {"from": first.isoformat(), "to": last.isoformat(), "adjustment": "all"}
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")


# --------------------------------------------------------------------------- the download


def _download(
    client: Any, ask: _Ask, first: pd.Timestamp, last: pd.Timestamp, url: str | None
) -> pd.DataFrame:
    from alpaca.common.exceptions import APIError
    from requests.exceptions import RequestException

    request = _request(ask, first, last)
    try:
        barset = client.get_crypto_bars(request) if ask.crypto else client.get_stock_bars(request)
    except APIError as err:
        raise _refused(ask, err) from None
    except RequestException as err:
        raise DataError(
            f"Cannot reach Alpaca's market data at "
            f"{without_password(url or 'data.alpaca.markets')} "
            f"({type(err).__name__}) while fetching {ask.symbol}.",
            "Check the network connection (and APCA_API_DATA_URL, if set), then run the "
            "command again.",
        ) from None
    frame = bars_frame(barset.data.get(ask.symbol) or [], ask.zone)
    return frame[frame.index + TIMEFRAMES[ask.timeframe] <= ask.now]  # still forming: left out


def _request(ask: _Ask, first: pd.Timestamp, last: pd.Timestamp) -> Any:
    from alpaca.data.enums import Adjustment, DataFeed
    from alpaca.data.requests import CryptoBarsRequest, StockBarsRequest
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

    unit = {"m": TimeFrameUnit.Minute, "h": TimeFrameUnit.Hour, "d": TimeFrameUnit.Day}
    fields = {
        "symbol_or_symbols": ask.symbol,
        "timeframe": TimeFrame(int(ask.timeframe[:-1]), unit[ask.timeframe[-1]]),
        "start": _utc(first, ask.zone),
        "end": _utc(last, ask.zone),
    }
    if ask.crypto:
        return CryptoBarsRequest(**fields)
    return StockBarsRequest(**fields, feed=DataFeed(ask.feed), adjustment=Adjustment.ALL)


def _utc(local: pd.Timestamp, zone: str) -> Any:
    return (
        local.tz_localize(zone, nonexistent="shift_forward", ambiguous=False)
        .tz_convert("UTC")
        .to_pydatetime()
    )


def _refused(ask: _Ask, err: Any) -> DataError:
    status, what = err.status_code, f"{ask.symbol}'s {ask.timeframe} bars"
    try:
        detail = f"HTTP {status}: {err.message}"
    except (ValueError, KeyError, TypeError):  # the body was not Alpaca's JSON
        detail = f"HTTP {status}"
    if status in (401, 403):
        sip = (
            " and that your market data subscription covers the sip feed (or use "
            "--data alpaca for iex)"
            if ask.feed == "sip" and not ask.crypto
            else ""
        )
        return DataError(
            f"Alpaca refused the keys for {what} ({detail}).",
            f"Check APCA_API_KEY_ID and APCA_API_SECRET_KEY{sip}.",
        )
    if status == 429:
        return DataError(
            f"Alpaca's rate limit stopped the download of {what} ({detail}, "
            "after alpaca-py's retries).",
            "Wait a minute and run the command again; bars already downloaded "
            "stay cached and are not fetched again.",
        )
    if status in (400, 404, 422):
        return DataError(
            f"Alpaca rejected the request for {what} ({detail}).",
            "Check the symbol: US stocks and ETFs like AAPL, crypto pairs like BTC/USD.",
        )
    return DataError(f"Alpaca's market data failed for {what} ({detail}).", "Try again in a while.")


def _no_bars(ask: _Ask) -> DataError:
    feed = "crypto" if ask.crypto else f"feed {ask.feed}"
    return DataError(
        f"Alpaca has no {ask.timeframe} bars of {ask.symbol} from "
        f"{ask.first:%Y-%m-%d} to {ask.last:%Y-%m-%d} ({feed}).",
        "Check the symbol (US stocks and ETFs like AAPL, crypto pairs like "
        "BTC/USD) and choose dates when it traded.",
    )
