"""The instrument model and its registry.

Where a symbol's class comes from, first match wins:

1. what :func:`register` or :func:`register_alpaca_assets` recorded (Alpaca's asset list,
   read with the user's keys wherever Parley uses Alpaca: :mod:`app.market.alpaca_assets`;
   its ``asset_class`` is ``us_equity`` or ``crypto``);
2. the bundled table (``instruments.csv`` beside this module: the bundled files' symbols,
   such as ``EURUSD`` (fx) and ``INDEX`` (index), and crypto pairs);
3. the spelling as Alpaca writes symbols: ``BASE/QUOTE`` is a crypto pair, a six-letter
   pair of ISO currency codes is fx, anything else a US equity.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

AssetClass = Literal["us_equity", "crypto", "fx", "index"]
ASSET_CLASSES: tuple[str, ...] = ("us_equity", "crypto", "fx", "index")
_CURRENCIES = frozenset(
    "USD EUR JPY GBP CHF CAD AUD NZD SEK NOK DKK HKD SGD MXN ZAR CNH TRY PLN".split()
)
_TABLE = Path(__file__).with_name("instruments.csv")


@dataclass(frozen=True)
class Instrument:
    """One tradable symbol."""

    symbol: str
    asset_class: AssetClass
    calendar: str
    """``XNYS`` (NYSE sessions, holidays and early closes), ``24/7``, ``FX`` (Sunday
    17:00 to Friday 17:00 New York) or ``days`` (a bundled series whose venue is not
    known: its sessions are the calendar days its bars fall on)."""
    timezone: str
    """The zone of its bar timestamps: the exchange's for stocks, UTC for crypto."""

    @property
    def fractional(self) -> bool:
        """Trades in fractions (crypto, to 1e-8); stocks trade whole shares."""
        return self.asset_class == "crypto"

    @property
    def pdt(self) -> bool:
        """The pattern-day-trader rule applies (US equities in a margin account)."""
        return self.asset_class == "us_equity"

    @property
    def around_the_clock(self) -> bool:
        return self.calendar == "24/7"


_DEFAULTS: dict[str, tuple[str, str]] = {
    "us_equity": ("XNYS", "America/New_York"),
    "index": ("XNYS", "America/New_York"),
    "crypto": ("24/7", "UTC"),
    "fx": ("FX", "America/New_York"),
}
_REGISTERED: dict[str, Instrument] = {}
_SPELLED: dict[str, Instrument] = {}
"""Instruments read from their spelling, kept (the registry still wins over them)."""


def make(symbol: str, asset_class: str, calendar: str = "", zone: str = "") -> Instrument:
    """An instrument with its class's calendar and zone unless they are given."""
    if asset_class not in _DEFAULTS:
        raise ValueError(f"unknown asset class {asset_class!r}")
    default_calendar, default_zone = _DEFAULTS[asset_class]
    return Instrument(
        symbol.upper(),
        asset_class,  # type: ignore[arg-type]
        calendar or default_calendar,
        zone or default_zone,
    )


def instrument(symbol: str) -> Instrument:
    """The instrument for ``symbol`` (upper-cased)."""
    key = symbol.upper()
    known = _REGISTERED.get(key) or _bundled().get(key) or _SPELLED.get(key)
    if known is None:
        known = _SPELLED[key] = make(key, _by_spelling(key))
    return known


def register(symbol: str, asset_class: str) -> Instrument:
    """Record a symbol's class (it wins over the table and the spelling)."""
    inst = make(symbol, asset_class)
    _REGISTERED[inst.symbol] = inst
    return inst


def register_alpaca_assets(assets: Iterable[Any]) -> int:
    """Record Alpaca's assets (``Asset`` objects of ``TradingClient.get_all_assets``, or
    dicts with ``symbol`` and ``class``); returns how many were recorded."""
    n = 0
    for asset in assets:
        symbol = _field(asset, "symbol")
        kind = str(_field(asset, "asset_class") or _field(asset, "class") or "")
        kind = kind.split(".")[-1].lower()
        if symbol and kind in ("us_equity", "crypto"):
            register(str(symbol), kind)
            n += 1
    return n


def _field(asset: Any, name: str) -> Any:
    return asset.get(name) if isinstance(asset, dict) else getattr(asset, name, None)


def _by_spelling(symbol: str) -> str:
    if "/" in symbol:
        return "crypto"
    if len(symbol) == 6 and symbol[:3] in _CURRENCIES and symbol[3:] in _CURRENCIES:
        return "fx"
    return "us_equity"


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Instrument]:
    with _TABLE.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {
            row["symbol"]: make(
                row["symbol"],
                row["asset_class"],
                row.get("calendar") or "",
                row.get("timezone") or "",
            )
            for row in rows
        }


def clear_registered() -> None:
    """Forget what :func:`register` recorded (tests)."""
    _REGISTERED.clear()
