"""Alpaca's asset list as the instrument model's first source of asset classes.

Wherever Parley talks to Alpaca with the user's keys (a run on Alpaca's feed or broker,
``--data alpaca``), :func:`use_alpaca_assets` asks Alpaca's trading API for its assets
(``GET /v2/assets``, US equities and crypto, through alpaca-py's ``TradingClient``) and
records the class of each symbol the run trades (:func:`app.instruments.register`), so
Alpaca's word wins over the bundled table and the spelling. The list (symbol and class
only) is kept for a day under ``PARLEY_HOME/cache/alpaca/assets.json``, per API address.

The list is a refinement, never a requirement: when Alpaca cannot be reached or refuses
the keys, the bundled table and the spelling answer, a warning is logged, and whatever
call needed Alpaca anyway says what went wrong in its own words.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.instruments import register

log = logging.getLogger(__name__)

PAPER_URL = "https://paper-api.alpaca.markets"
KEEP = timedelta(days=1)
"""How long a fetched asset list is used before it is fetched again."""
TIMEOUT = 15.0
_CLASSES = ("us_equity", "crypto")


def use_alpaca_assets(
    settings: Any, symbols: Iterable[str], now: datetime | None = None
) -> dict[str, str]:
    """Record the asset class Alpaca gives each of ``symbols``; returns those recorded
    (symbol -> class). Nothing is asked without keys; nothing here raises."""
    if not getattr(settings, "alpaca_enabled", False):
        return {}
    wanted = [s.strip().upper() for s in symbols]
    classes = asset_classes(settings, now)
    found = {s: classes[s] for s in wanted if s in classes}
    for symbol, kind in found.items():
        register(symbol, kind)
    if classes and len(found) < len(wanted):
        log.info(
            "Alpaca lists no asset for %s: the bundled table decides",
            ", ".join(s for s in wanted if s not in found),
        )
    return found


def asset_classes(settings: Any, now: datetime | None = None) -> dict[str, str]:
    """Alpaca's assets as symbol -> class (``us_equity`` or ``crypto``), from the day's
    cache or the trading API; empty when neither can answer."""
    now = now or datetime.now(UTC)
    url = (settings.alpaca_base_url or PAPER_URL).rstrip("/")
    path = Path(settings.home) / "cache" / "alpaca" / "assets.json"
    cached = _read(path, url, now)
    if cached is not None:
        return cached
    try:
        classes = _fetch(settings, url)
    except Exception as err:  # noqa: BLE001 - any failure: the table answers instead
        log.warning(
            "Alpaca's asset list is unavailable at %s (%s): asset classes come "
            "from the bundled table",
            url,
            _why(err),
        )
        return {}
    _write(path, {"url": url, "fetched": now.isoformat(), "classes": classes})
    log.info("Alpaca's asset list: %d assets from %s", len(classes), url)
    return classes


def _fetch(settings: Any, url: str) -> dict[str, str]:
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import AssetClass
    from alpaca.trading.requests import GetAssetsRequest

    from app.http import harden

    # raw_data: tens of thousands of plain dicts, not pydantic models; no retries (the
    # list is optional, and a run's own first call retries and reports)
    client = harden(
        TradingClient(
            settings.alpaca_key_id.get_secret_value(),
            settings.alpaca_secret_key.get_secret_value(),
            raw_data=True,
            url_override=url,
        ),
        TIMEOUT,
        retries=0,
    )
    out: dict[str, str] = {}
    try:
        for kind in (AssetClass.US_EQUITY, AssetClass.CRYPTO):
            for asset in client.get_all_assets(GetAssetsRequest(asset_class=kind)):
                symbol, got = asset.get("symbol"), asset.get("class")
                if symbol and got in _CLASSES:
                    out[str(symbol).upper()] = str(got)
    finally:
        client._session.close()
    return out


def _why(err: Exception) -> str:
    status = getattr(err, "status_code", None)
    if status:
        return f"HTTP {status}"
    return getattr(err, "message", None) or type(err).__name__


def _read(path: Path, url: str, now: datetime) -> dict[str, str] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        fetched = datetime.fromisoformat(doc["fetched"])
        classes = doc["classes"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (
        doc.get("url") != url
        or not isinstance(classes, dict)
        or not timedelta(0) <= now - fetched < KEEP
    ):
        return None
    return {str(k): str(v) for k, v in classes.items() if v in _CLASSES}


def _write(path: Path, doc: dict[str, Any]) -> None:
    """Atomically; a home that cannot be written keeps no cache (not an error)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        log.info("Alpaca's asset list is not cached (%s)", err)
