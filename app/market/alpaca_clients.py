"""alpaca-py's historical data clients (stocks and crypto), built in one place for the
backtest's bar cache (:mod:`app.market.alpaca_cache`) and the live feed
(:mod:`app.feeds.alpaca`), so the two cannot drift apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alpaca.data.historical import CryptoHistoricalDataClient, StockHistoricalDataClient


def historical_clients(key_id: str, secret_key: str, url: str | None = None,
                       timeout: float = 30.0
                       ) -> tuple[StockHistoricalDataClient, CryptoHistoricalDataClient]:
    """alpaca-py's historical data clients, stocks and crypto, on the same keys.

    ``url`` overrides the data API's base URL (``APCA_API_DATA_URL``: a proxy, or a test's
    loopback fake). The backtest's bar cache (:mod:`app.market.alpaca_cache`) builds its
    clients here too, so the two cannot drift apart. Each request has ``timeout`` seconds
    and retries with backoff (:func:`app.http.harden`).
    """
    from alpaca.data.historical import CryptoHistoricalDataClient, StockHistoricalDataClient

    from app.http import harden

    return (harden(StockHistoricalDataClient(key_id, secret_key, url_override=url), timeout),
            harden(CryptoHistoricalDataClient(key_id, secret_key, url_override=url), timeout))
