"""The team's offline evidence, point in time: SPY, VIX, the Treasury curve, fundamentals.

Every series is daily and stamped with its day. What a decision at ``t`` may read:

* a market close (SPY, VIX) of day D when D is before t's day, or D is t's day and t is
  midnight (a daily bar is stamped with its day and decided at its close);
* a Treasury yield of day D only when D is before t's day (H.15 publishes the next day);
* the fundamentals snapshot of 2018-02-08 only on or after that day, and for a year at
  most; before it the analyst abstains and says why.

A value older than :data:`STALE_DAYS` at the decision counts as missing (the bundled SPY
ends in 2020, the Treasury series in 2021): the analysts say which series they lack.
SPY and VIX come from :mod:`app.market.universe`; the Treasury series and the snapshot
from ``app/data/evidence/`` (provenance in ``app/data/README.md``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np

STALE_DAYS = 10
SNAPSHOT_DAY = datetime(2018, 2, 8)
SNAPSHOT_LIFE = timedelta(days=365)
EVIDENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "evidence"


@dataclass(frozen=True)
class Daily:
    """A daily series: days (datetime64[D]) and values, oldest first, no NaN."""

    name: str
    days: np.ndarray
    values: np.ndarray
    same_day: bool
    """Whether day D's value is known at the close of day D (a market close)."""

    def known_at(self, t: datetime, n: int) -> np.ndarray:
        """The last ``n`` values known at ``t`` (empty when the newest is stale)."""
        day = np.datetime64(t.date(), "D")
        same = self.same_day and t.hour == t.minute == t.second == 0
        end = int(np.searchsorted(self.days, day, side="right" if same else "left"))
        if end == 0 or (day - self.days[end - 1]).astype(int) > STALE_DAYS:
            return self.values[:0]
        return self.values[max(0, end - n) : end]

    @property
    def span(self) -> str:
        return f"{self.days[0]}..{self.days[-1]}" if len(self.days) else "none"


@dataclass(frozen=True)
class MacroData:
    """The macro series the macro analyst reads (``None`` when not bundled)."""

    spy: Daily | None
    vix: Daily | None
    dgs2: Daily | None
    dgs10: Daily | None


@cache
def macro_data() -> MacroData:
    """The bundled macro series (read once per process)."""
    spy = vix = None
    try:
        from app.market.universe import load_spy, load_vix
    except ImportError:  # a build without the SPY/VIX bundle
        load_spy = load_vix = None  # type: ignore[assignment]
    if load_spy is not None and load_vix is not None:
        spy = _from_frame("SPY", load_spy())
        vix = _from_frame("VIX", load_vix())
    two, ten = _treasury()
    return MacroData(spy, vix, two, ten)


def _from_frame(name: str, frame: object) -> Daily:
    close = frame["close"].to_numpy(dtype=float)  # type: ignore[index]
    days = frame.index.to_numpy().astype("datetime64[D]")  # type: ignore[attr-defined]
    ok = np.isfinite(close)
    return Daily(name, days[ok], close[ok], same_day=True)


def _treasury() -> tuple[Daily | None, Daily | None]:
    path = EVIDENCE_DIR / "treasury-2y-10y.csv"
    if not path.is_file():
        return None, None
    with path.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    out = []
    for col, name in ((1, "2-year Treasury"), (2, "10-year Treasury")):
        kept = [(r[0], float(r[col])) for r in rows if r[col]]
        days = np.array([d for d, _ in kept], dtype="datetime64[D]")
        out.append(Daily(name, days, np.array([v for _, v in kept]), same_day=False))
    return out[0], out[1]


@dataclass(frozen=True)
class Company:
    """One row of the 2018-02-08 snapshot."""

    symbol: str
    sector: str
    figures: dict[str, float]


_COLUMNS = {
    "Price/Earnings": "pe",
    "Price/Book": "price_to_book",
    "Price/Sales": "price_to_sales",
    "Dividend Yield": "dividend_yield_pct",
}


@cache
def fundamentals_snapshot() -> dict[str, Company]:
    """The S&P 500 snapshot of 2018-02-08, by symbol (empty when not bundled)."""
    path = EVIDENCE_DIR / "sp500-fundamentals-2018-02-08.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for row in rows:
        figures = {key: float(row[col]) for col, key in _COLUMNS.items() if row[col].strip()}
        out[row["Symbol"].upper()] = Company(row["Symbol"].upper(), row["Sector"], figures)
    return out


def snapshot_for(symbol: str, t: datetime) -> tuple[Company | None, str]:
    """The symbol's snapshot row if a decision at ``t`` may use it, else why not."""
    if t < SNAPSHOT_DAY:
        return None, (
            "the only fundamentals bundled are an S&P 500 snapshot taken after "
            "this decision; using them would look ahead, so abstaining"
        )
    if t > SNAPSHOT_DAY + SNAPSHOT_LIFE:
        return None, (
            "the bundled fundamentals snapshot is more than a year old at this decision; abstaining"
        )
    company = fundamentals_snapshot().get(symbol.upper())
    if company is None:
        return None, f"{symbol} is not in the bundled S&P 500 snapshot; abstaining"
    return company, ""


@cache
def sector_indexes() -> dict[str, Daily]:
    """Equal-weight indexes of the S&P 500 universe by 2018 sector, and ``""`` for all of it
    (empty when the universe is not bundled)."""
    try:
        from app.market.universe import load_universe
    except ImportError:
        return {}
    from app.agents.macro import equal_weight_benchmark

    snapshot = fundamentals_snapshot()
    frames = dict(load_universe())
    groups: dict[str, dict[str, object]] = {"": frames}
    for symbol, frame in frames.items():
        company = snapshot.get(symbol.upper())
        if company is not None:
            groups.setdefault(company.sector, {})[symbol] = frame
    out = {}
    for name, members in groups.items():
        bars = equal_weight_benchmark(members)
        out[name] = Daily(
            name or "S&P 500 universe",
            bars.index.astype("datetime64[D]"),
            bars.close,
            same_day=True,
        )
    return out
