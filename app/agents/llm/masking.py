"""Hiding what would let a model remember the future: symbols, dates and price levels.

With masking on (for LLM backtests), the subject symbol is ``SYMBOL_A``, the benchmark
``MARKET``, times are day offsets from the decision (``D-3``: three days before; ``D-0``:
the decision day) and prices are rebased to 100 at the first bar shown. Without it, real
names, dates and prices pass through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

SUBJECT = "SYMBOL_A"
MARKET = "MARKET"


@dataclass(frozen=True)
class Masker:
    """Masks (or passes through) one decision's names, times and prices."""

    symbol: str
    time: datetime
    benchmark: str = "benchmark"
    enabled: bool = False

    def name(self, text: str) -> str:
        """``text`` with the symbol and benchmark names replaced (word-bounded, any case)."""
        if not self.enabled:
            return text
        out = text
        for real, alias in ((self.symbol, SUBJECT), (self.benchmark, MARKET)):
            variants = {real, real.replace("/", ""), real.split("/")[0]}
            for v in sorted(variants, key=len, reverse=True):
                if len(v) >= 2:
                    out = re.sub(
                        rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])",
                        alias,
                        out,
                        flags=re.IGNORECASE,
                    )
        return out

    def when(self, t: datetime) -> str:
        """A time as a date (unmasked) or as whole days before the decision (masked)."""
        if not self.enabled:
            return t.isoformat(sep=" ", timespec="minutes")
        days = (self.time - t).total_seconds() / 86400
        return f"D-{days:.0f}" if abs(days - round(days)) < 1e-9 else f"D-{days:.2f}"

    def prices(self, values: list[float], base: float | None = None) -> list[float]:
        """Prices as given, or rebased so that ``base`` (default: the first value) is 100."""
        ref = base if base is not None else (values[0] if values else 0.0)
        if not self.enabled or not ref:
            return [round(v, 4) for v in values]
        return [round(100 * v / ref, 2) for v in values]

    @property
    def subject(self) -> str:
        return SUBJECT if self.enabled else self.symbol
