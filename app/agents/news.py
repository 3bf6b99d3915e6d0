"""The news and sentiment analyst: a lexicon scorer over the headlines known at the time.

Recent headlines count more (half-life :data:`HALF_LIFE_DAYS`), a handful of headlines
is needed for full weight, and news alone never scores beyond +/-:data:`MAX_POINTS`.

Hostile text is bounded by structure, not by spotting phrases:

* every headline is normalised (NFKC, no zero-width or bidi characters) when it is made;
* the news score is capped at +/-:data:`MAX_POINTS` in code, offline and for a model;
* the team holds the conviction between what the news at -cap and at +cap would give
  (:meth:`app.agents.team.AgentTeam.decide`), so no headline moves a decision further;
* a model reads headlines only as JSON string values in one field (``prompts.headlines``),
  and only the news analyst reads them; the others see the capped news score, never the
  headlines or the news model's words.

Headlines that look like instructions are still quarantined (never scored, never sent),
but that is a courtesy for the record; nothing relies on it.
"""

from __future__ import annotations

from datetime import timedelta

from app.agents._scoring import abstain, opinion_from
from app.agents.features import Features
from app.agents.lexicon import is_instruction, tone
from app.agents.models import DecisionContext, Evidence, Headline, Opinion

LOOKBACK = timedelta(days=7)
HALF_LIFE_DAYS = 2.0
FULL_WEIGHT_HEADLINES = 3
MAX_POINTS = 60.0


def recent_headlines(ctx: DecisionContext) -> tuple[list[Headline], list[Headline]]:
    """(usable, quarantined) headlines of the last :data:`LOOKBACK` before the decision."""
    recent = [h for h in ctx.headlines if ctx.time - LOOKBACK <= h.time <= ctx.time]
    bad = [h for h in recent if is_instruction(h.text)]
    return [h for h in recent if h not in bad], bad


def quarantine_note(bad: list[Headline]) -> Evidence:
    return Evidence(
        fact=f"{len(bad)} headline(s) quarantined: they read like instructions "
        "to a model, not news, and were ignored"
    )


class NewsAnalyst:
    """Scores the tone of recent headlines about the symbol."""

    name = "news"

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        good, bad = recent_headlines(ctx)
        notes = [quarantine_note(bad)] if bad else []
        if not good:
            why = _why_none(ctx)
            opinion = abstain(self.name, why)
            return opinion.model_copy(update={"evidence": tuple(notes)})
        weights = [_decay(h, ctx) for h in good]
        share = MAX_POINTS * min(1.0, len(good) / FULL_WEIGHT_HEADLINES) / sum(weights)
        evidence = [_scored(h, w * share) for h, w in zip(good, weights)]
        mean = sum(tone(h.text)[0] * w for h, w in zip(good, weights)) / sum(weights)
        return opinion_from(
            self.name,
            evidence + notes,
            f"{len(good)} recent headline(s), weighted tone {mean:+.2f}.",
        )


OFFLINE = (
    "No news offline: headlines come from Alpaca's news API in runs on Alpaca's feed "
    "and in --data alpaca backtests; abstaining."
)


def _why_none(ctx: DecisionContext) -> str:
    if ctx.news_problem:
        return f"{ctx.news_problem}; abstaining."
    if not ctx.news_source and not ctx.headlines:
        return OFFLINE
    return "No usable headlines in the last 7 days; abstaining."


def _decay(h: Headline, ctx: DecisionContext) -> float:
    age_days = (ctx.time - h.time).total_seconds() / 86400
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def _scored(h: Headline, most: float) -> Evidence:
    """One headline: its tone times its share of the news score (``most`` points).

    The fact names the headline by time and source, never by its words: evidence travels
    on (to the debate, to other models), and headline text must stop at this analyst.
    """
    value, hits = tone(h.text)
    source = f" from {_label(h.source)}" if h.source else ""
    return Evidence(
        fact=f"headline of {h.time:%Y-%m-%d %H:%M}{source} reads {_word(value)} ({hits} cue words)",
        value=round(value, 3),
        points=round(value * most, 1),
    )


def _label(source: str) -> str:
    """A source name as a short plain label (letters, digits, spaces, dots)."""
    return "".join(c for c in source if c.isalnum() or c in " .-")[:30] or "a source"


def _word(value: float) -> str:
    return "positive" if value > 0 else "negative" if value < 0 else "neutral"
