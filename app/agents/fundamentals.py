"""The fundamentals analyst: valuation and income from figures known at the decision.

Figures come from the context (``ctx.fundamentals``, when a source gives as-of figures) or
from the bundled S&P 500 snapshot of 2018-02-08 (:mod:`app.agents.evidence`), used only on
or after that day and for a year at most: before it the analyst abstains and says why. The
company's 2018 sector and, when the universe's bars reach the decision, the sector's
60-day strength against the whole universe are part of the view.
"""

from __future__ import annotations

from app.agents._scoring import abstain, opinion_from, squash
from app.agents.evidence import Company, sector_indexes, snapshot_for
from app.agents.features import Features
from app.agents.models import DecisionContext, Evidence, Opinion

NO_DATA = (
    "No fundamentals data is available for this symbol at this time; abstaining "
    "rather than guessing."
)

_KNOWN = {
    # key: (fact template, centre, scale, max points, sign)
    "revenue_growth_pct": ("revenue grew {v:+.1f}% a year", 5.0, 10.0, 25.0, 1),
    "earnings_growth_pct": ("earnings grew {v:+.1f}% a year", 5.0, 15.0, 25.0, 1),
    "pe": ("price/earnings {v:.1f}", 20.0, 15.0, 15.0, -1),
    "price_to_book": ("price/book {v:.1f}", 3.0, 4.0, 10.0, -1),
    "price_to_sales": ("price/sales {v:.1f}", 2.0, 3.0, 10.0, -1),
    "dividend_yield_pct": ("dividend yield {v:.1f}%", 2.0, 2.0, 5.0, 1),
    "debt_to_equity": ("debt/equity {v:.2f}", 1.0, 1.0, 10.0, -1),
}
RS_BARS = 60


class FundamentalsAnalyst:
    """Scores growth, valuation, income and leverage when it has them, and sector strength."""

    name = "fundamentals"

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        data, why, company = dict(ctx.fundamentals or {}), NO_DATA, None
        if not data:
            company, why = snapshot_for(ctx.symbol, ctx.time)
            data = dict(company.figures) if company else {}
        evidence = [
            Evidence(
                fact=fact.format(v=data[key]),
                value=data[key],
                points=squash(sign * (data[key] - centre), scale, most),
            )
            for key, (fact, centre, scale, most, sign) in _KNOWN.items()
            if key in data
        ]
        if company is not None:
            evidence.append(
                Evidence(fact=f"sector {company.sector} (S&P 500 snapshot of 2018-02-08)")
            )
            evidence.extend(_sector_strength(company, ctx))
        if not evidence:
            return abstain(self.name, why[0].upper() + why[1:])
        return opinion_from(self.name, evidence, f"{len(evidence)} fundamentals figures.")


def _sector_strength(company: Company, ctx: DecisionContext) -> list[Evidence]:
    """The sector's 60-day return against the universe's, when both reach the decision."""
    indexes = sector_indexes()
    sector, market = indexes.get(company.sector), indexes.get("")
    if sector is None or market is None:
        return []
    s, m = sector.known_at(ctx.time, RS_BARS + 1), market.known_at(ctx.time, RS_BARS + 1)
    if len(s) <= RS_BARS or len(m) <= RS_BARS:
        return [Evidence(fact="sector strength: the universe's bars do not reach this time")]
    rs = 100 * (s[-1] / s[0] - m[-1] / m[0])
    return [
        Evidence(
            fact=f"{company.sector} {'led' if rs > 0 else 'lagged'} the S&P 500 "
            f"universe by {abs(rs):.1f} points over {RS_BARS} days",
            value=round(rs, 2),
            points=squash(rs, 5, 10),
        )
    ]
