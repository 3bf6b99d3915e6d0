"""The fundamentals analyst. Parley has no fundamentals data offline, so by default this
agent abstains and says so; given as-of figures in the context it scores a few of them."""

from __future__ import annotations

from app.agents._scoring import abstain, opinion_from, squash
from app.agents.features import Features
from app.agents.models import DecisionContext, Evidence, Opinion

NO_DATA = ("No fundamentals data is available for this symbol at this time (none is "
           "bundled offline); abstaining rather than guessing.")

_KNOWN = {
    # key: (fact template, centre, scale, max points, sign)
    "revenue_growth_pct": ("revenue grew {v:+.1f}% a year", 5.0, 10.0, 25.0, 1),
    "earnings_growth_pct": ("earnings grew {v:+.1f}% a year", 5.0, 15.0, 25.0, 1),
    "pe": ("price/earnings {v:.1f}", 20.0, 15.0, 15.0, -1),
    "debt_to_equity": ("debt/equity {v:.2f}", 1.0, 1.0, 10.0, -1),
}


class FundamentalsAnalyst:
    """Scores revenue and earnings growth, valuation and leverage when it has them."""

    name = "fundamentals"

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        data = ctx.fundamentals or {}
        evidence = [
            Evidence(fact=fact.format(v=data[key]), value=data[key],
                     points=squash(sign * (data[key] - centre), scale, most))
            for key, (fact, centre, scale, most, sign) in _KNOWN.items() if key in data
        ]
        if not evidence:
            return abstain(self.name, NO_DATA)
        return opinion_from(self.name, evidence, f"{len(evidence)} fundamentals figures.")
