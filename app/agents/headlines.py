"""Headlines from Alpaca's news API (alpaca-py's ``NewsClient``), point in time.

Offline there is no news: the news analyst abstains and says so. In runs on Alpaca's feed
and in ``--data alpaca`` backtests the team asks :class:`AlpacaNews` for each decision's
headlines: the symbol's news of the last :data:`LOOKBACK` up to the decision time and
never later, stamped on the bars' clock (New York wall time for stocks, UTC for crypto
pairs). A failure to reach the API costs the decision its news, not the run: the news
analyst then abstains with the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import pandas as pd

from app.agents.models import Headline
from app.instruments import instrument

LOOKBACK = timedelta(days=7)
MOST = 200
"""Headlines read per decision at most (the SDK pages through them 50 at a time)."""


class NewsSource(Protocol):
    """Where a team gets each decision's headlines."""

    name: str

    def before(self, symbol: str, time: datetime) -> tuple[tuple[Headline, ...], str]:
        """Headlines about ``symbol`` known at ``time``, and a problem to report (or "")."""
        ...


class AlpacaNews:
    """Alpaca's historical news, per decision, cached by (symbol, time)."""

    name = "Alpaca news"

    def __init__(self, client: Any) -> None:
        self.client = client
        self._cache: dict[tuple[str, datetime], tuple[tuple[Headline, ...], str]] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> AlpacaNews:
        from alpaca.data.historical.news import NewsClient

        client = NewsClient(
            settings.alpaca_key_id.get_secret_value(),
            settings.alpaca_secret_key.get_secret_value(),
            url_override=settings.alpaca_data_url,
        )
        return cls(client)

    def before(self, symbol: str, time: datetime) -> tuple[tuple[Headline, ...], str]:
        key = (symbol.upper(), time)
        if key not in self._cache:
            self._cache[key] = self._fetch(symbol, time)
        return self._cache[key]

    def _fetch(self, symbol: str, time: datetime) -> tuple[tuple[Headline, ...], str]:
        from alpaca.data.requests import NewsRequest

        zone = instrument(symbol).timezone
        end = pd.Timestamp(time).tz_localize(zone).tz_convert("UTC")
        request = NewsRequest(
            symbols=symbol.upper(),
            start=(end - LOOKBACK).to_pydatetime(),
            end=end.to_pydatetime(),
            limit=MOST,
        )
        try:
            raw = self.client.get_news(request)
        except Exception as err:  # the SDK raises APIError, requests' errors, ValueError...
            return (), f"{self.name} unavailable ({type(err).__name__}); no headlines used"
        items = raw.data.get("news", []) if hasattr(raw, "data") else []
        out = []
        for item in items[:MOST]:
            stamp = pd.Timestamp(item.created_at).tz_convert(zone).tz_localize(None)
            if stamp.to_pydatetime() <= time and item.headline.strip():
                out.append(
                    Headline(
                        time=stamp.to_pydatetime(),
                        text=item.headline[:1000],
                        symbols=tuple(item.symbols),
                        source=item.source or "",
                    )
                )
        return tuple(sorted(out, key=lambda h: h.time)), ""


_DEFAULT: list[NewsSource | None] = [None]


def use_news(source: NewsSource | None) -> None:
    """Make ``source`` the news of every team built from now on in this process (the CLI
    sets it for ``--data alpaca``; ``None`` goes back to no news)."""
    _DEFAULT[0] = source


def default_news() -> NewsSource | None:
    return _DEFAULT[0]


def use_alpaca_news(settings: Any) -> bool:
    """Use Alpaca's news when keys are set; False (and no news) otherwise."""
    if not getattr(settings, "alpaca_enabled", False):
        return False
    use_news(AlpacaNews.from_settings(settings))
    return True
