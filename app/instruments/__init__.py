"""What a symbol is: its asset class, its venue's calendar and time zone, whether it trades
in fractions and whether the pattern-day-trader rule applies. Ask :func:`instrument`
wherever a symbol's class matters; nothing else guesses from the symbol's spelling.
"""

from app.instruments.model import (
    ASSET_CLASSES,
    AssetClass,
    Instrument,
    instrument,
    register,
    register_alpaca_assets,
)

__all__ = [
    "ASSET_CLASSES",
    "AssetClass",
    "Instrument",
    "instrument",
    "register",
    "register_alpaca_assets",
]
