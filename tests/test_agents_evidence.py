"""The team's offline evidence: SPY, VIX and the Treasury curve for macro, the 2018 snapshot
for fundamentals, each known only from the time it was known."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from app.agents.evidence import Daily, MacroData, macro_data, snapshot_for
from app.agents.features import measure
from app.agents.fundamentals import FundamentalsAnalyst
from app.agents.macro import VIX_TERM_NOT_SCORED, MacroAnalyst
from tests.test_agents import context_at


def _daily(same_day: bool) -> Daily:
    days = np.array(["2008-10-13", "2008-10-14", "2008-10-15"], dtype="datetime64[D]")
    return Daily("x", days, np.array([1.0, 2.0, 3.0]), same_day)


def test_a_close_is_known_at_its_own_daily_bar_but_not_intraday_and_yields_a_day_later() -> None:
    close, yields = _daily(True), _daily(False)
    assert list(close.known_at(datetime(2008, 10, 14), 5)) == [1.0, 2.0]  # the daily close
    assert list(close.known_at(datetime(2008, 10, 14, 10, 30), 5)) == [1.0]  # mid-session
    assert list(yields.known_at(datetime(2008, 10, 14), 5)) == [1.0]  # published next day
    assert len(close.known_at(datetime(2008, 10, 12), 5)) == 0
    assert len(close.known_at(datetime(2008, 11, 30), 5)) == 0  # stale: counts as missing


def test_the_bundled_curve_reads_inverted_in_2007_and_steep_in_2010() -> None:
    data = macro_data()
    rates = MacroData(None, None, data.dgs2, data.dgs10)
    macro = MacroAnalyst(rates)
    for when, shape in (("2007-02-27", "inverted"), ("2010-06-01", "upward sloping")):
        ctx = context_at(when)
        facts = [e.fact for e in macro.opinion(ctx, measure(ctx.bars)).evidence]
        assert any(f.startswith(f"Treasury curve {shape}") for f in facts), facts


@pytest.mark.skipif(macro_data().spy is None, reason="SPY and VIX are not bundled in this build")
def test_macro_reads_spy_and_vix_point_in_time() -> None:
    macro = MacroAnalyst()
    crash = context_at("2008-10-27")
    op = macro.opinion(crash, measure(crash.bars))
    facts = {e.fact.split(" ")[0]: e for e in op.evidence if e.value is not None}
    assert op.stance == "bearish" and facts["SPY"].points < 0
    assert facts["VIX"].value is not None and facts["VIX"].value > 50 and facts["VIX"].points < -10
    # No second maturity is bundled: the term is said to be unscored, not made up.
    term = [e for e in op.evidence if e.fact == VIX_TERM_NOT_SCORED]
    assert len(term) == 1 and term[0].value is None and term[0].points == 0
    assert "VIX term structure not scored" in op.rationale
    calm = context_at("2006-11-15")
    assert macro.opinion(calm, measure(calm.bars)).score > op.score


def test_macro_opinion_does_not_change_when_the_future_is_removed() -> None:
    full = macro_data()
    when = datetime(2008, 10, 27)

    def cut(d: Daily | None) -> Daily | None:
        if d is None:
            return None
        keep = d.days <= np.datetime64("2008-10-27")
        return Daily(d.name, d.days[keep], d.values[keep], d.same_day)

    past = MacroData(cut(full.spy), cut(full.vix), cut(full.dgs2), cut(full.dgs10))
    ctx = context_at(f"{when:%Y-%m-%d}")
    assert MacroAnalyst(past).opinion(ctx, measure(ctx.bars)) == MacroAnalyst(full).opinion(
        ctx, measure(ctx.bars)
    )


def test_fundamentals_use_the_2018_snapshot_only_from_its_day_for_a_year() -> None:
    before, why = snapshot_for("GOOGL", datetime(2018, 2, 7))
    assert before is None and "would look ahead" in why
    company, _ = snapshot_for("GOOGL", datetime(2018, 3, 1))
    assert company is not None and company.sector == "Information Technology"
    assert company.figures["pe"] > 0
    late, why = snapshot_for("GOOGL", datetime(2019, 6, 1))
    assert late is None and "more than a year old" in why
    assert "not in the bundled" in snapshot_for("YHOO", datetime(2018, 3, 1))[1]


def test_the_fundamentals_analyst_scores_the_snapshot_and_names_the_sector() -> None:
    from app.agents.context import make_context
    from app.agents.models import PortfolioSnapshot
    from app.indicators.bars import Bars

    days = np.arange(np.datetime64("2017-06-01"), np.datetime64("2018-03-02")).astype(
        "datetime64[ns]"
    )
    price = np.linspace(100, 120, len(days))
    bars = Bars(days, price, price, price, price, np.ones(len(days)))
    ctx = make_context(
        "GOOGL",
        bars,
        datetime(2018, 3, 1),
        rule="r",
        side="long",
        portfolio=PortfolioSnapshot(equity=1e4),
    )
    op = FundamentalsAnalyst().opinion(ctx, measure(ctx.bars))
    facts = [e.fact for e in op.evidence]
    assert op.stance != "abstain"
    assert any(f.startswith("price/earnings") for f in facts)
    assert "sector Information Technology (S&P 500 snapshot of 2018-02-08)" in facts
