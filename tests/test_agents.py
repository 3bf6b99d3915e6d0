"""The deterministic agent team on the bundled real data: repeatable, bounded, no look-ahead.

Helpers here (``goog``, ``context_at``, ...) are shared by the other ``test_agents_*`` files.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache

import numpy as np
import pytest
from pydantic import ValidationError

from app.agents.context import bars_until, make_context
from app.agents.debate import balance, run_debate
from app.agents.features import measure
from app.agents.fundamentals import FundamentalsAnalyst
from app.agents.lexicon import tone
from app.agents.macro import MacroAnalyst, equal_weight_benchmark
from app.agents.models import (
    DecisionContext,
    Evidence,
    Headline,
    Opinion,
    PortfolioSnapshot,
    Position,
    RiskVerdict,
)
from app.agents.news import NewsAnalyst
from app.agents.researcher import Researcher
from app.agents.risk_manager import RiskManager, stricter
from app.agents.team import AgentTeam
from app.agents.technical import TechnicalAnalyst
from app.agents.trader import PortfolioTrader, size_for
from app.dsl import format_expr, load_spec
from app.engine.signals import rule_signals
from app.indicators.bars import Bars
from app.market.bundled import bundled_dir
from app.market.loader import load_bars
from app.spec.models import AgentsSpec, CircuitBreaker, Limits
from tests.conftest import STRATEGIES

STOCKS = ("GOOG", "NVDA", "ORCL", "YHOO")
RULE = "long entry: sma(close, 10) crosses above sma(close, 30)"
CALM = PortfolioSnapshot(equity=100_000.0)


@cache
def frames() -> dict:
    return load_bars(bundled_dir(), symbols=list(STOCKS))


@cache
def goog() -> Bars:
    return Bars.from_frame(frames()["GOOG"])


@cache
def benchmark() -> Bars:
    return equal_weight_benchmark(frames())


def day(text: str) -> datetime:
    return datetime.fromisoformat(text)


def context_at(
    when: str,
    *,
    side: str = "long",
    portfolio: PortfolioSnapshot = CALM,
    headlines: tuple[Headline, ...] = (),
    bars: Bars | None = None,
    **extra: object,
) -> DecisionContext:
    return make_context(
        "GOOG",
        bars or goog(),
        day(when),
        rule=RULE,
        side=side,  # type: ignore[arg-type]
        portfolio=portfolio,
        benchmark=benchmark(),
        headlines=headlines,
        **extra,
    )


def sma_entries() -> list[datetime]:
    spec = load_spec(STRATEGIES / "sma_crossover.strategy")
    fired = np.flatnonzero(rule_signals(spec, goog()).long_entry)
    return [goog().index[i].astype("datetime64[us]").item() for i in fired]


def headline(when: str, text: str, days_before: float = 1.0) -> Headline:
    return Headline(time=day(when) - timedelta(days=days_before), text=text, symbols=("GOOG",))


# ----- the context: nothing after the decision time ----------------------------------------
def test_context_cuts_every_series_at_the_decision_time() -> None:
    ctx = context_at("2008-06-02", headlines=(headline("2008-06-02", "later", -1),))
    limit = np.datetime64("2008-06-02")
    assert ctx.bars.index[-1] == limit and ctx.benchmark is not None
    assert ctx.benchmark.index[-1] <= limit
    assert ctx.headlines == ()  # the headline a day after the decision is dropped
    assert len(bars_until(goog(), day("2004-01-01"))) == 0


def test_context_refuses_look_ahead_when_built_by_hand() -> None:
    with pytest.raises(ValidationError, match="past the decision time"):
        DecisionContext(
            symbol="GOOG",
            time=day("2008-06-02"),
            bars=goog(),
            rule=RULE,
            side="long",
            portfolio=CALM,
        )
    with pytest.raises(ValidationError, match="later than the decision time"):
        DecisionContext(
            symbol="GOOG",
            time=day("2008-06-02"),
            bars=bars_until(goog(), day("2008-06-02")),
            rule=RULE,
            side="long",
            portfolio=CALM,
            headlines=(headline("2008-06-02", "x", -2),),
        )


def test_future_bars_do_not_change_a_decision() -> None:
    team = AgentTeam(AgentsSpec(debate_rounds=2))
    full = team.decide(context_at("2007-03-01"))
    cut = bars_until(goog(), day("2007-03-01"))
    only_past = team.decide(context_at("2007-03-01", bars=cut))
    assert full == only_past


# ----- analysts -------------------------------------------------------------------------
def test_technical_analyst_reads_trend_and_is_repeatable() -> None:
    up = context_at("2007-10-31")  # GOOG near its 2007 high, after a strong run
    down = context_at("2008-11-20")  # deep in the 2008 crash
    a = TechnicalAnalyst()
    bull, bear = a.opinion(up, measure(up.bars)), a.opinion(down, measure(down.bars))
    assert bull.stance == "bullish" and bull.score > 30
    assert bear.stance == "bearish" and bear.score < -30
    assert a.opinion(up, measure(up.bars)) == bull
    close = up.bars.close
    gap = 100 * (close[-1] / close[-50:].mean() - 1)
    assert bull.evidence[0].value == pytest.approx(gap, abs=0.01)
    assert -100 <= bull.score <= 100 and all(-100 <= e.points <= 100 for e in bull.evidence)


def test_technical_analyst_abstains_without_history() -> None:
    ctx = context_at("2004-09-10")
    assert TechnicalAnalyst().opinion(ctx, measure(ctx.bars)).stance == "abstain"


def test_fundamentals_abstains_and_says_so_without_data() -> None:
    ctx = context_at("2008-06-02")
    op = FundamentalsAnalyst().opinion(ctx, measure(ctx.bars))
    assert op.stance == "abstain" and op.score == 0 and "would look ahead" in op.rationale
    rich = context_at("2008-06-02", fundamentals={"revenue_growth_pct": 30.0, "pe": 18.0})
    assert FundamentalsAnalyst().opinion(rich, measure(rich.bars)).stance == "bullish"


def test_news_lexicon_scores_tone_and_negation() -> None:
    assert tone("Google beats estimates, shares surge")[0] == 1.0
    assert tone("Regulators open probe; shares plunge")[0] == -1.0
    assert tone("Google did not beat estimates")[0] == -1.0
    assert tone("Google holds annual meeting") == (0.0, 0)


def test_news_analyst_weighs_recent_headlines_only() -> None:
    when = "2008-06-02"
    good = tuple(
        headline(when, t, d)
        for t, d in [
            ("Google beats estimates", 1),
            ("Analysts upgrade Google", 2),
            ("Google shares surge to record", 0.5),
        ]
    )
    bad = (headline(when, "Google misses, shares plunge on weak ads", 1),)
    stale = (headline(when, "Google plunges on fraud probe", 30),)
    news = NewsAnalyst()
    ctx = context_at(when, headlines=good)
    op = news.opinion(ctx, measure(ctx.bars))
    assert op.stance == "bullish" and 0 < op.score <= 60
    ctx = context_at(when, headlines=bad)
    assert news.opinion(ctx, measure(ctx.bars)).stance == "bearish"
    ctx = context_at(when, headlines=stale)
    assert news.opinion(ctx, measure(ctx.bars)).stance == "abstain"
    ctx = context_at(when)
    assert "No news offline" in news.opinion(ctx, measure(ctx.bars)).rationale


def test_macro_reads_the_equal_weight_benchmark() -> None:
    from app.agents.evidence import MacroData

    macro = MacroAnalyst(MacroData(None, None, None, None))
    crash, recovery = context_at("2008-10-27"), context_at("2009-09-15")
    assert macro.opinion(crash, measure(crash.bars)).stance == "bearish"
    assert macro.opinion(recovery, measure(recovery.bars)).stance == "bullish"
    alone = make_context("GOOG", goog(), day("2008-10-27"), rule=RULE, side="long", portfolio=CALM)
    assert macro.opinion(alone, measure(alone.bars)).stance == "abstain"
    bench = benchmark()
    assert bench.close[0] == 1.0 and np.all(np.isfinite(bench.close))


# ----- the debate -----------------------------------------------------------------------
def _opinions() -> tuple[Opinion, ...]:
    return (
        Opinion(
            agent="technical",
            stance="bullish",
            score=30,
            rationale="",
            evidence=(
                Evidence(fact="trend up", points=20),
                Evidence(fact="momentum up", points=15),
                Evidence(fact="RSI overbought", points=-8),
            ),
        ),
        Opinion(
            agent="macro",
            stance="bearish",
            score=-25,
            rationale="",
            evidence=(
                Evidence(fact="market falling", points=-25),
                Evidence(fact="stress", points=-5),
            ),
        ),
    )


@pytest.mark.parametrize("rounds", [0, 1, 2, 3])
def test_debate_has_n_rounds_and_each_turn_answers_the_strongest_point(rounds: int) -> None:
    turns = run_debate(_opinions(), rounds, Researcher("bull"), Researcher("bear"))
    assert len(turns) == 2 * rounds
    assert [t.speaker for t in turns] == ["bull", "bear"] * rounds
    assert [t.round for t in turns] == [r for r in range(1, rounds + 1) for _ in (0, 1)]
    if rounds:
        assert turns[0].points == ("trend up",) and turns[0].answers is None
        assert turns[1].points == ("market falling",) and turns[1].answers == "trend up"
    if rounds >= 2:
        assert turns[2].answers == "market falling"
        assert turns[2].points == ("momentum up",)
        assert turns[3].answers == "momentum up" and turns[3].points == ("RSI overbought",)
    if rounds >= 3:  # the bull has no new point left; the bear still has one
        assert turns[4].points == () and "no new evidence" in turns[4].argument
        assert turns[5].points == ("stress",)
    assert run_debate(_opinions(), rounds, Researcher("bull"), Researcher("bear")) == turns


def test_debate_balance_favours_the_side_with_the_stronger_case() -> None:
    turns = run_debate(_opinions(), 2, Researcher("bull"), Researcher("bear"))
    assert balance(turns) == pytest.approx(100 * (35 - 33) / 68, abs=0.1)  # 20+15 vs 25+8
    assert balance(()) == 0
    one_sided = (_opinions()[0],)
    assert balance(
        run_debate(one_sided, 1, Researcher("bull"), Researcher("bear"))
    ) == pytest.approx(100 * (20 - 8) / 28, abs=0.1)


# ----- the risk manager -----------------------------------------------------------------
def _verdict(
    limits: Limits | None = None, max_positions: int | None = None, **ctx_kwargs: object
) -> RiskVerdict:
    ctx = context_at("2006-06-01", **ctx_kwargs)  # type: ignore[arg-type]
    return RiskManager(limits, max_positions).verdict(ctx, measure(ctx.bars))


def test_risk_approves_within_limits() -> None:
    v = _verdict(Limits(max_drawdown_pct=20))
    assert v.action == "approve" and v.size_factor == 1.0 and "within limits" in v.reasons[0]


def test_risk_vetoes_and_shrinks_on_drawdown() -> None:
    limits = Limits(max_drawdown_pct=20)
    deep = PortfolioSnapshot(equity=78_000, peak_equity=100_000)
    half = PortfolioSnapshot(equity=85_000, peak_equity=100_000)
    assert _verdict(limits, portfolio=deep).action == "veto"
    v = _verdict(limits, portfolio=half)
    assert v.action == "shrink" and v.size_factor == pytest.approx(0.75)
    assert "drawdown 15.0%" in v.reasons[0]


def test_risk_vetoes_on_daily_loss_positions_and_exposure() -> None:
    lost = PortfolioSnapshot(equity=96_000, day_start_equity=100_000)
    assert _verdict(Limits(daily_loss_pct=3), portfolio=lost).action == "veto"
    full = PortfolioSnapshot(
        equity=100_000,
        positions=(
            Position(symbol="NVDA", side="long", market_value=50_000),
            Position(symbol="ORCL", side="long", market_value=50_000),
        ),
    )
    assert _verdict(max_positions=2, portfolio=full).reasons[0].startswith("2 positions open")
    assert _verdict(Limits(max_exposure_pct=100), portfolio=full).action == "veto"
    held = PortfolioSnapshot(
        equity=100_000, positions=(Position(symbol="GOOG", side="long", market_value=10_000),)
    )
    assert "already long GOOG" in _verdict(portfolio=held).reasons


def test_risk_shrinks_to_the_position_and_exposure_caps() -> None:
    some = PortfolioSnapshot(
        equity=100_000, positions=(Position(symbol="NVDA", side="long", market_value=80_000),)
    )
    v = _verdict(
        Limits(max_exposure_pct=100, max_position_pct=15), portfolio=some, proposed_pct=40.0
    )
    # room 20% of 40% -> x0.5; position cap 15% of 40% -> x0.375
    assert v.action == "shrink" and v.size_factor == pytest.approx(0.5 * 0.375, abs=1e-3)


def test_risk_reads_regime_and_circuit_breaker() -> None:
    v = _verdict(regime="high_volatility")
    assert v.action == "shrink" and v.size_factor == 0.5
    v = _verdict(regime="trending_down", in_transition=True)
    assert v.size_factor == pytest.approx(0.6 * 0.75)
    assert _verdict(Limits(circuit_breaker=CircuitBreaker(move_pct=0.01))).action == "veto"


def test_a_stricter_verdict_never_loosens_the_code() -> None:
    code = RiskVerdict(action="shrink", size_factor=0.5, reasons=("vol",))
    lax = RiskVerdict(action="approve", size_factor=1.0, source="llm")
    assert stricter(code, lax).size_factor == 0.5
    veto = RiskVerdict(action="veto", size_factor=0.0)
    assert stricter(veto, lax).action == "veto"
    assert stricter(code, RiskVerdict(action="shrink", size_factor=0.2)).size_factor == 0.2


# ----- the trader -----------------------------------------------------------------------
def _op(agent: str, score: float) -> Opinion:
    stance = "bullish" if score > 10 else "bearish" if score < -10 else "neutral"
    return Opinion(agent=agent, stance=stance, score=score, rationale="")  # type: ignore[arg-type]


def test_conviction_rises_with_the_case_and_flips_with_the_side() -> None:
    trader = PortfolioTrader()
    ok = RiskVerdict(action="approve", size_factor=1.0)
    convictions = [
        trader.call("long", (_op("technical", s), _op("macro", s)), (), ok, 0, 50).conviction
        for s in (-80, -20, 0, 20, 80)
    ]
    assert convictions == sorted(convictions) and convictions[2] == 50
    assert 0 <= convictions[0] < 20 and 80 < convictions[-1] <= 100
    short = trader.call("short", (_op("technical", -80),), (), ok, 0, 50)
    assert short.conviction == 90
    abstaining = Opinion(agent="news", stance="abstain", score=0, rationale="no news")
    assert trader.call("long", (abstaining,), (), ok, 0, 50).conviction == 50


def test_size_factor_stays_within_the_risk_cap_and_the_spec() -> None:
    assert size_for(49, 50, 1.0) == 0.0
    assert size_for(50, 50, 1.0) == 0.5 and size_for(100, 50, 1.0) == 1.0
    assert size_for(100, 50, 0.3) == 0.3 and size_for(100, 100, 0.8) == 0.8
    trader = PortfolioTrader()
    cap = RiskVerdict(action="shrink", size_factor=0.4)
    call = trader.call("long", (_op("technical", 100),), (), cap, 15, 50)
    assert call.conviction == 100 and call.size_factor == 0.4


def test_regime_transition_raises_the_minimum_conviction() -> None:
    team = AgentTeam(AgentsSpec(min_conviction=50))
    plain = team.decide(context_at("2007-10-31"))
    raised = team.decide(context_at("2007-10-31", in_transition=True, conviction_raise=40))
    assert plain.approved and plain.min_conviction == 50
    assert raised.min_conviction == 90 and not raised.approved
    assert "minimum conviction raised by 40" in " ".join(raised.reasons)


# ----- the whole team on every SMA-crossover entry of GOOG -----------------------------
def test_team_decides_every_entry_repeatably_within_bounds() -> None:
    team = AgentTeam(AgentsSpec(debate_rounds=2), limits=Limits(max_drawdown_pct=25))
    entries = sma_entries()
    first = [team.decide(context_at(t.isoformat())) for t in entries]
    again = [team.decide(context_at(t.isoformat())) for t in entries]
    assert first == again and len(first) == 33
    assert {d.approved for d in first} == {True, False}  # the team does filter
    for d in first:
        assert 0 <= d.conviction <= 100 and 0 <= d.size_factor <= 1
        assert d.approved == (d.conviction >= d.min_conviction and d.size_factor > 0)
        assert [o.agent for o in d.opinions] == ["technical", "fundamentals", "news", "macro"]
        assert len(d.debate) == 4 and d.mode == "offline" and not d.degraded
        json.dumps(d.model_dump(mode="json"))
    assert format_expr(load_spec(STRATEGIES / "sma_crossover.strategy").long_entry) in RULE


def test_a_decision_reads_as_text() -> None:
    from app.agents.explain import describe

    d = AgentTeam().decide(context_at("2007-10-31", regime="trending_up", regime_confidence=0.8))
    text = describe(d)
    assert text.splitlines()[0].startswith("2007-10-31 00:00 GOOG long  conviction ")
    assert "regime: trending_up (0.80)" in text and "fundamentals abstain" in text
    assert "debate r1 bull" in text and text.splitlines()[-1].startswith("  why: ")
    assert all(len(line) <= 100 for line in text.splitlines())


def test_the_offline_team_imports_neither_anthropic_nor_textual() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\nimport app.agents.team, app.agents.gate, app.agents.explain\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('anthropic', 'textual')"
        " or m.startswith('app.tui')]\nassert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
