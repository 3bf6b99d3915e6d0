"""alpaca-py's historical data clients (stocks and crypto) and the conversion of their bars
to frames, in one place for the backtest's bar cache (:mod:`app.market.alpaca_cache`) and
the live feed (:mod:`app.feeds.alpaca`), so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from alpaca.data.historical import CryptoHistoricalDataClient, StockHistoricalDataClient


def historical_clients(
    key_id: str, secret_key: str, url: str | None = None, timeout: float = 30.0
) -> tuple[StockHistoricalDataClient, CryptoHistoricalDataClient]:
    """alpaca-py's historical data clients, stocks and crypto, on the same keys.

    ``url`` overrides the data API's base URL (``APCA_API_DATA_URL``: a proxy, or a test's
    loopback fake). The backtest's bar cache (:mod:`app.market.alpaca_cache`) builds its
    clients here too, so the two cannot drift apart. Each request has ``timeout`` seconds
    and retries with backoff (:func:`app.http.harden`).
    """
    from alpaca.data.historical import CryptoHistoricalDataClient, StockHistoricalDataClient

    from app.http import harden

    return (
        harden(StockHistoricalDataClient(key_id, secret_key, url_override=url), timeout),
        harden(CryptoHistoricalDataClient(key_id, secret_key, url_override=url), timeout),
    )


def bars_frame(rows: Sequence[Any], zone: str) -> pd.DataFrame:
    """alpaca-py's bars of one symbol (``Bar`` objects, UTC-stamped) as the loader's frame:
    a ``date`` index of ``zone``'s wall time (microseconds), float64 OHLCV columns. The
    backtest's bar cache and the live feed both convert here."""
    import pandas as pd

    index = pd.DatetimeIndex([r.timestamp for r in rows], tz="UTC").tz_convert(zone)
    values = [[r.open, r.high, r.low, r.close, r.volume] for r in rows]
    return pd.DataFrame(
        values,
        columns=["open", "high", "low", "close", "volume"],
        dtype="float64",
        index=index.tz_localize(None).as_unit("us").rename("date"),
    )
