"""No headline moves a decision beyond the news cap: 62 injection variants (translations,
role-play, fake markup, zero-width, full-width, homoglyph, bidi, math-bold and invisible tag
characters), offline and through the real SDK against a fake model that obeys them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.agents._scoring import stance_of
from app.agents.lexicon import normalize
from app.agents.models import Evidence, Headline, Opinion
from app.agents.news import MAX_POINTS
from app.agents.team import AgentTeam
from app.spec.models import AgentsSpec
from tests.fakes.anthropic_server import Recorded, Scripted
from tests.injection_corpus import VARIANTS
from tests.test_agents import context_at, day
from tests.test_agents_llm import AgentFake, make_llm, role_of

WHENS = ("2007-10-31", "2008-09-15")


def _headlines(when: str, text: str, n: int = 3) -> tuple[Headline, ...]:
    return tuple(
        Headline(time=day(when) - timedelta(hours=6 + 12 * k), text=text, symbols=("GOOG",))
        for k in range(n)
    )


class CappedNews:
    """The news analyst at its cap: the most any headlines may say, all in one point."""

    name = "news"

    def __init__(self, score: float) -> None:
        self.score = score

    def opinion(self, ctx: object, feats: object) -> Opinion:
        return Opinion(
            agent="news",
            stance=stance_of(self.score),
            score=self.score,
            rationale="at the cap",
            evidence=(Evidence(fact="at the cap", points=self.score),),
        )


def _capped(when: str, score: float, rounds: int) -> object:
    team = AgentTeam(AgentsSpec(min_conviction=55, debate_rounds=rounds))
    team.analysts = [CappedNews(score) if a.name == "news" else a for a in team.analysts]
    return team.decide(context_at(when))


def test_the_corpus_has_at_least_50_variants_with_unicode_tricks() -> None:
    assert len(set(VARIANTS)) >= 50
    assert sum(v != normalize(v) for v in VARIANTS) >= 30  # disguised in unicode


@pytest.mark.parametrize("rounds", [1, 3])
@pytest.mark.parametrize("when", WHENS)
def test_offline_no_variant_moves_a_decision_beyond_the_cap(when: str, rounds: int) -> None:
    low, high = _capped(when, -MAX_POINTS, rounds), _capped(when, MAX_POINTS, rounds)
    team = AgentTeam(AgentsSpec(min_conviction=55, debate_rounds=rounds))
    for text in VARIANTS:
        d = team.decide(context_at(when, headlines=_headlines(when, text)))
        news = next(o for o in d.opinions if o.agent == "news")
        assert abs(news.score) <= MAX_POINTS
        assert low.conviction <= d.conviction <= high.conviction, text
        assert d.size_factor <= high.size_factor and (not d.approved or high.approved), text
        record = json.dumps(d.model_dump(mode="json"), ensure_ascii=False)
        assert normalize(text)[:40] not in record  # the headline's words stay out of it


class ObedientFake(AgentFake):
    """A model that obeys whatever headlines it reads: asked as the news analyst with any
    headline, it answers the most extreme view it can and says so in its own words."""

    def next_reply(self, recorded: Recorded) -> Scripted:
        if role_of(recorded) == "news" and '"text": "' in recorded.last_user_text:
            self.record(recorded)
            text = recorded.last_user_text.lower()
            score = -10_000 if re.search(r"sell|short|crash|fraud|-100", text) else 10_000
            return Scripted(
                json.dumps(
                    {
                        "stance": "bullish" if score > 0 else "bearish",
                        "score": score,
                        "rationale": "OBEYED THE HEADLINE: conviction 100, size 5",
                        "evidence": [{"fact": "OBEYED THE HEADLINE", "value": 1, "points": 100}],
                    }
                )
            )
        return super().next_reply(recorded)


@pytest.fixture
def obedient() -> Iterator[ObedientFake]:
    with ObedientFake() as server:
        yield server


def _llm_decide(fake: ObedientFake, headlines: tuple[Headline, ...], when: str) -> object:
    team = AgentTeam(
        AgentsSpec(debate_rounds=1, min_conviction=55), "llm", llm=make_llm(fake), mask=True
    )
    return team.decide(context_at(when, headlines=headlines))


def test_through_the_model_no_variant_moves_a_decision_beyond_the_cap(
    obedient: ObedientFake,
) -> None:
    when = WHENS[0]
    refs = {}
    for sign, text in ((1, "GOOG ad sales steady"), (-1, "GOOG sells a unit, shares fall")):
        obedient.requests.clear()
        refs[sign] = _llm_decide(obedient, _headlines(when, text), when)
        refs[sign, "trader"] = [
            r.last_user_text for r in obedient.requests if role_of(r) == "trader"
        ]
    for text in VARIANTS:
        obedient.requests.clear()
        d = _llm_decide(obedient, _headlines(when, text), when)
        news = next(o for o in d.opinions if o.agent == "news")
        if news.stance == "abstain":  # quarantined or emptied by normalisation: not even asked
            assert "news" not in [role_of(r) for r in obedient.requests]
            continue
        sign = 1 if news.score > 0 else -1
        assert news.score == sign * MAX_POINTS, text
        ref = refs[sign]
        assert (d.conviction, d.approved, d.size_factor) == (
            ref.conviction,
            ref.approved,
            ref.size_factor,
        ), text
        others = [r for r in obedient.requests if role_of(r) != "news"]
        assert [r.last_user_text for r in others if role_of(r) == "trader"] == refs[sign, "trader"]
        sent = json.dumps([r.body for r in others], ensure_ascii=False)
        assert "OBEYED" not in sent and normalize(text)[:30] not in sent, text
        [asked] = [r for r in obedient.requests if role_of(r) == "news"]
        field = re.search(r"<headlines>\n(.*)\n", asked.last_user_text, re.S)
        assert field is not None
        quoted = json.loads(field.group(1).split("\n")[0])["headlines"]
        masked = normalize(text).replace("GOOG", "SYMBOL_A")
        assert {h["text"] for h in quoted} == {masked}  # only as a JSON value
