"""LLM agents through the real anthropic SDK against the loopback fake of the Messages API.

:class:`AgentFake` extends the shared fake (``tests/fakes/anthropic_server.py``) through
its ``next_reply`` hook: it answers each request by the agent role named in its system
prompt, so concurrent analysts get the right replies whatever order they arrive in.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from app.agents.llm.cache import AnswerCache
from app.agents.llm.client import AgentLLM
from app.agents.models import Headline, TeamDecision
from app.agents.team import AgentTeam
from app.spec.models import AgentsSpec, Limits
from tests.fakes.anthropic_server import FakeAnthropic, Recorded, Scripted
from tests.test_agents import context_at, headline, sma_entries

MODEL = "claude-test-agents"
ROLE = re.compile(r"You are the (\w+) agent")
WHEN = "2007-10-31"

ANSWERS: dict[str, dict[str, Any]] = {
    "technical": {
        "stance": "bullish",
        "score": 40,
        "rationale": "Uptrend intact.",
        "evidence": [{"fact": "price above its averages", "value": None, "points": 40}],
    },
    "news": {"stance": "bullish", "score": 30, "rationale": "Good news.", "evidence": []},
    "macro": {"stance": "neutral", "score": 5, "rationale": "Flat market.", "evidence": []},
    "fundamentals": {"stance": "neutral", "score": 0, "rationale": "Fair.", "evidence": []},
    "bull": {"argument": "The trend is up.", "answers": None, "points": ["trend"], "strength": 60},
    "bear": {
        "argument": "Valuation is stretched.",
        "answers": "The trend is up.",
        "points": ["valuation"],
        "strength": 40,
    },
    "risk": {"action": "approve", "size_factor": 1.0, "reasons": ["fine"]},
    "trader": {"conviction": 70, "size_factor": 0.8, "rationale": "Good setup."},
}


class AgentFake(FakeAnthropic):
    """Answers by role: queued replies first, then the role's default answer."""

    def __init__(self, answers: dict[str, Any] | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.answers = {**ANSWERS, **(answers or {})}
        self.queued: dict[str, list[Scripted | str]] = {}
        self.delay = delay
        self.active = self.peak = 0
        self._guard = threading.Lock()

    def queue(self, role: str, *replies: Scripted | str) -> None:
        self.queued.setdefault(role, []).extend(replies)

    def next_reply(self, recorded: Recorded) -> Scripted:
        self.record(recorded)
        with self._guard:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.delay)
        with self._guard:
            self.active -= 1
            role = role_of(recorded)
            if self.queued.get(role):
                reply = self.queued[role].pop(0)
                return reply if isinstance(reply, Scripted) else Scripted(reply)
        return Scripted(json.dumps(self.answers[role]))

    def roles(self) -> list[str]:
        return [role_of(r) for r in self.requests]


def role_of(recorded: Recorded) -> str:
    match = ROLE.search(str(recorded.body.get("system", "")))
    assert match, "every agent request names its role"
    return match.group(1)


@pytest.fixture
def fake() -> Iterator[AgentFake]:
    with AgentFake() as server:
        yield server


def make_llm(
    fake: FakeAnthropic,
    cache_dir: Path | None = None,
    *,
    budget: int | None = None,
    concurrency: int = 4,
) -> AgentLLM:
    client = anthropic.Anthropic(
        api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=5.0
    )
    cache = AnswerCache(cache_dir) if cache_dir is not None else None
    return AgentLLM(client, MODEL, cache=cache, budget_tokens=budget, concurrency=concurrency)


def make_team(llm: AgentLLM, rounds: int = 2, mask: bool = True, **kw: Any) -> AgentTeam:
    return AgentTeam(AgentsSpec(debate_rounds=rounds), "llm", llm=llm, mask=mask, **kw)


NEWS = (headline(WHEN, "GOOG beats estimates as ad sales surge", 1),)


def without_usage(d: TeamDecision) -> dict[str, Any]:
    return d.model_dump(mode="json", exclude={"usage"})


# ----- a full LLM decision ---------------------------------------------------------------
def test_each_agent_answers_through_the_sdk(fake: AgentFake) -> None:
    llm = make_llm(fake)
    d = make_team(llm).decide(context_at(WHEN, headlines=NEWS))

    # fundamentals has no data: it abstains without a call; 2 rounds = 4 debate turns
    assert sorted(fake.roles()) == sorted(
        ["technical", "news", "macro", "bull", "bear", "bull", "bear", "risk", "trader"]
    )
    by_agent = {o.agent: o for o in d.opinions}
    assert by_agent["technical"].source == "llm" and by_agent["technical"].score == 40
    assert by_agent["fundamentals"].source == "deterministic"
    assert by_agent["fundamentals"].stance == "abstain"
    assert [(t.round, t.speaker, t.source) for t in d.debate] == [
        (1, "bull", "llm"),
        (1, "bear", "llm"),
        (2, "bull", "llm"),
        (2, "bear", "llm"),
    ]
    assert d.mode == "llm" and not d.degraded
    assert d.conviction == 70 and d.approved and d.size_factor == 0.8
    assert d.usage.calls == 9 and d.usage.input_tokens > 0
    assert llm.usage().calls == 9 and llm.usage().input_tokens == d.usage.input_tokens


def test_each_debate_turn_sees_the_transcript_so_far(fake: AgentFake) -> None:
    make_team(make_llm(fake)).decide(context_at(WHEN))
    debate = [r for r in fake.requests if role_of(r) in ("bull", "bear")]
    assert "(no turns yet)" in debate[0].last_user_text
    assert "round 1 bull (strength 60): The trend is up." in debate[1].last_user_text
    assert debate[3].last_user_text.count("round ") >= 3
    assert "This is round 2. Speak as the bear." in debate[3].last_user_text


def test_structured_output_schema_is_requested(fake: AgentFake) -> None:
    make_team(make_llm(fake), rounds=0).decide(context_at(WHEN))
    body = fake.requests[0].body
    assert body["model"] == MODEL
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert "stance" in body["output_config"]["format"]["schema"]["properties"]


def test_masking_hides_symbol_dates_and_price_levels(fake: AgentFake) -> None:
    ctx = context_at(WHEN, headlines=NEWS)
    make_team(make_llm(fake), mask=True).decide(ctx)
    sent = json.dumps([r.body for r in fake.requests])
    assert "GOOG" not in sent and "2007" not in sent and "SYMBOL_A" in sent
    assert "D-0" in sent and "D-1" in sent
    assert f"{ctx.bars.close[-1]:.2f}" not in sent  # prices rebased to 100
    fake.requests.clear()
    make_team(make_llm(fake), mask=False).decide(ctx)
    sent = json.dumps([r.body for r in fake.requests])
    assert "GOOG" in sent and "2007-10-31" in sent


# ----- malformed answers: one repair, then the deterministic form ------------------------
def test_a_malformed_answer_is_repaired_once(fake: AgentFake) -> None:
    fake.queue("technical", "Sure! The stock looks great.")
    d = make_team(make_llm(fake), rounds=0).decide(context_at(WHEN))
    tech = [r for r in fake.requests if role_of(r) == "technical"]
    assert len(tech) == 2
    assert [m["role"] for m in tech[1].messages] == ["user", "assistant", "user"]
    assert "holds no JSON object" in tech[1].last_user_text
    assert d.opinions[0].source == "llm" and not d.degraded


def test_malformed_twice_falls_back_to_the_deterministic_form_and_says_so(fake: AgentFake) -> None:
    fake.queue(
        "technical",
        '{"stance": "bullish", "score": -50, "rationale": "x", "evidence": []}',
        "{not json",
    )
    d = make_team(make_llm(fake), rounds=1).decide(context_at(WHEN))
    tech = d.opinions[0]
    repair = [r for r in fake.requests if role_of(r) == "technical"][1]
    assert "contradicts score" in repair.last_user_text
    assert tech.source == "deterministic" and "malformed twice" in tech.note
    offline = AgentTeam(AgentsSpec(debate_rounds=1)).decide(context_at(WHEN))
    assert tech.score == offline.opinions[0].score
    assert d.degraded and any(
        w.startswith("technical: LLM answer malformed twice") for w in d.degraded_why
    )


def test_non_finite_numbers_are_sent_back_for_repair(fake: AgentFake) -> None:
    fake.queue("technical", '{"stance": "bullish", "score": NaN, "rationale": "x", "evidence": []}')
    d = make_team(make_llm(fake), rounds=0).decide(context_at(WHEN))
    repair = [r for r in fake.requests if role_of(r) == "technical"][1]
    assert "score" in repair.last_user_text and "finite" in repair.last_user_text
    assert d.opinions[0].source == "llm" and d.opinions[0].score == 40


def test_garbage_from_every_agent_degrades_to_the_offline_decision(fake: AgentFake) -> None:
    for role in ANSWERS:
        fake.answers[role] = "no"  # json.dumps("no") is valid JSON but not an object
    d = make_team(make_llm(fake), rounds=1).decide(context_at(WHEN, headlines=NEWS))
    offline = AgentTeam(AgentsSpec(debate_rounds=1)).decide(context_at(WHEN, headlines=NEWS))
    assert d.degraded and len(d.degraded_why) == 7  # technical news macro bull bear risk trader
    assert d.usage.calls == 14  # each asked twice
    assert (d.conviction, d.approved, d.size_factor) == (
        offline.conviction,
        offline.approved,
        offline.size_factor,
    )
    assert [t.argument for t in d.debate] == [t.argument for t in offline.debate]


def test_an_api_error_falls_back_for_that_agent(fake: AgentFake) -> None:
    fake.queue("macro", Scripted(status=500, text="boom", headers={"x-should-retry": "false"}))
    d = make_team(make_llm(fake), rounds=0).decide(context_at(WHEN))
    macro = next(o for o in d.opinions if o.agent == "macro")
    assert macro.source == "deterministic" and "LLM call failed" in macro.note
    assert d.degraded and d.opinions[0].source == "llm"


# ----- budget, cache, concurrency, usage ----------------------------------------------
def _run(team: AgentTeam, n: int = 3) -> list[TeamDecision]:
    return [team.decide(context_at(t.isoformat())) for t in sma_entries()[12 : 12 + n]]


def test_budget_running_out_mid_run_degrades_the_rest_and_says_so(
    fake: AgentFake, tmp_path: Path
) -> None:
    probe = make_llm(fake)
    _run(make_team(probe), 1)
    first_cost = probe.usage().input_tokens + probe.usage().output_tokens
    fake.requests.clear()

    llm = make_llm(fake, tmp_path / "cache", budget=first_cost + 1)
    run = _run(make_team(llm))
    calls_per_decision = [d.usage.calls for d in run]
    assert calls_per_decision == [8, 2, 0]  # the 2nd runs out after its two analysts
    assert not run[0].degraded
    for d in run[1:]:
        assert d.degraded and any("token budget" in w and "exhausted" in w for w in d.degraded_why)
    assert all(t.source == "deterministic" for t in run[1].debate)
    assert all("token budget exhausted" in o.note for o in run[2].opinions)
    assert llm.usage().exhausted and len(fake.requests) == 10

    # The rerun from the cache follows the same path, free: no HTTP call at all.
    again = make_llm(fake, tmp_path / "cache", budget=first_cost + 1)
    rerun = _run(make_team(again))
    assert len(fake.requests) == 10
    assert [without_usage(d) for d in rerun] == [without_usage(d) for d in run]
    assert again.usage().cache_hits == 10 and again.usage().billed_input_tokens == 0


def test_cache_hit_on_rerun_makes_no_http_call(fake: AgentFake, tmp_path: Path) -> None:
    run = _run(make_team(make_llm(fake, tmp_path / "c"), mask=False))
    sent = len(fake.requests)
    assert sent == 3 * 8  # unmasked, every prompt names its date: no hit within the run
    llm = make_llm(fake, tmp_path / "c")
    rerun = _run(make_team(llm, mask=False))
    assert len(fake.requests) == sent
    assert [without_usage(d) for d in rerun] == [without_usage(d) for d in run]
    assert all(d.usage.cache_hits == d.usage.calls == 8 for d in rerun)
    assert llm.usage().billed_output_tokens == 0
    assert len(list((tmp_path / "c").rglob("*.json"))) == sent


def test_masked_identical_inputs_share_answers_within_a_run(
    fake: AgentFake, tmp_path: Path
) -> None:
    run = _run(make_team(make_llm(fake, tmp_path / "c"), mask=True))
    # The fake's analysts answer alike, so the masked debate prompts repeat exactly.
    assert [d.usage.cache_hits for d in run] == [0, 4, 4]


def test_a_changed_input_misses_the_cache(fake: AgentFake, tmp_path: Path) -> None:
    make_team(make_llm(fake, tmp_path / "c"), rounds=0).decide(context_at(WHEN))
    sent = len(fake.requests)
    make_team(make_llm(fake, tmp_path / "c"), rounds=0).decide(context_at("2007-11-01"))
    assert len(fake.requests) > sent


@pytest.mark.parametrize("limit", [1, 2])
def test_concurrency_limit_caps_requests_in_flight(limit: int) -> None:
    with AgentFake(delay=0.05) as slow:
        ctx = context_at(WHEN, headlines=NEWS, fundamentals={"pe": 20.0})
        make_team(make_llm(slow, concurrency=limit), rounds=0).decide(ctx)
        assert slow.roles()[:4].count("technical") == 1 and len(slow.requests) == 6
        assert slow.peak == limit


def test_usage_is_reported_per_decision_and_per_run(fake: AgentFake) -> None:
    llm = make_llm(fake)
    run = _run(make_team(llm), 2)
    usage = llm.usage()
    assert usage.calls == sum(d.usage.calls for d in run) == 16
    assert usage.input_tokens == sum(d.usage.input_tokens for d in run)
    assert usage.output_tokens == sum(d.usage.output_tokens for d in run) > 0
    assert "16 calls (0 from cache)" in usage.describe()


def test_llm_mode_without_a_key_is_a_clear_error() -> None:
    from app.errors import ParleyError

    with pytest.raises(ParleyError, match="ANTHROPIC_API_KEY"):
        AgentTeam(mode="llm", limits=Limits())


def test_headline_type_round_trips() -> None:
    h = Headline(time=context_at(WHEN).time, text="x")
    assert Headline.model_validate_json(h.model_dump_json()) == h
