"""Headlines from Alpaca's news API through alpaca-py's real NewsClient, against the loopback
fake: point in time, on the bars' clock, paged, and a failure costs only the news."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, UTC

import pytest
from alpaca.data.historical.news import NewsClient

from app.agents.headlines import AlpacaNews, default_news, use_alpaca_news, use_news
from app.agents.team import AgentTeam
from app.config import load_settings
from app.spec.models import AgentsSpec
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, Fault
from tests.test_agents import context_at

WHEN = datetime(2008, 6, 2)  # a daily bar: decided at that day's close
NEWS = "/v1beta1/news"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with FakeAlpaca() as server:
        server.news = [
            {
                "headline": "Google beats estimates, shares surge",
                "symbols": ["GOOG"],
                "created_at": _utc(2008, 5, 30, 14),
            },
            {
                "headline": "Analysts upgrade Google",
                "symbols": ["GOOG", "YHOO"],
                "created_at": _utc(2008, 6, 1, 15),
            },
            {
                "headline": "Google plunges on fraud probe",
                "symbols": ["GOOG"],
                "created_at": _utc(2008, 6, 3, 13),
            },  # after the decision: never seen
            {
                "headline": "Yahoo rejects offer",
                "symbols": ["YHOO"],
                "created_at": _utc(2008, 6, 1, 12),
            },
        ]
        yield server


def _source(fake: FakeAlpaca) -> AlpacaNews:
    return AlpacaNews(NewsClient(KEY_ID, SECRET, url_override=fake.base_url))


def test_headlines_are_the_symbols_known_at_the_decision_on_new_york_time(fake: FakeAlpaca) -> None:
    found, problem = _source(fake).before("GOOG", WHEN)
    assert problem == ""
    assert [h.text for h in found] == [
        "Google beats estimates, shares surge",
        "Analysts upgrade Google",
    ]
    assert found[0].time == datetime(2008, 5, 30, 10)  # 14:00 UTC is 10:00 in New York (EDT)
    [(path, query)] = [q for q in fake.queries if q[0] == NEWS]
    assert query["symbols"] == "GOOG"
    assert datetime.fromisoformat(query["end"].replace("Z", "+00:00")) <= _utc(2008, 6, 2, 4)


def test_the_sdk_pages_through_many_headlines(fake: FakeAlpaca) -> None:
    fake.news = [
        {
            "headline": f"Google item {i}",
            "symbols": ["GOOG"],
            "created_at": _utc(2008, 5, 28) + timedelta(minutes=i),
        }
        for i in range(120)
    ]
    found, _ = _source(fake).before("GOOG", WHEN)
    assert len(found) == 120
    assert len([q for q in fake.queries if q[0] == NEWS]) == 3  # 50 + 50 + 20


def test_the_team_reads_them_and_only_them(fake: FakeAlpaca) -> None:
    team = AgentTeam(AgentsSpec(), news=_source(fake))
    d = team.decide(context_at(f"{WHEN:%Y-%m-%d}"))
    news = next(o for o in d.opinions if o.agent == "news")
    assert news.stance == "bullish" and len([e for e in news.evidence if e.points]) == 2
    offline = AgentTeam(AgentsSpec()).decide(context_at(f"{WHEN:%Y-%m-%d}"))
    assert next(o for o in offline.opinions if o.agent == "news").rationale.startswith(
        "No news offline"
    )


def test_an_unreachable_news_api_costs_only_the_news(fake: FakeAlpaca) -> None:
    fake.script(f"GET {NEWS}", Fault(status=500))
    team = AgentTeam(AgentsSpec(), news=_source(fake))
    d = team.decide(context_at(f"{WHEN:%Y-%m-%d}"))
    news = next(o for o in d.opinions if o.agent == "news")
    assert news.stance == "abstain" and "Alpaca news unavailable" in news.rationale


def test_data_alpaca_turns_the_news_on_only_with_keys(
    fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        monkeypatch.delenv("APCA_API_KEY_ID", raising=False)
        monkeypatch.delenv("APCA_API_SECRET_KEY", raising=False)
        assert not use_alpaca_news(load_settings()) and default_news() is None
        monkeypatch.setenv("APCA_API_KEY_ID", KEY_ID)
        monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
        monkeypatch.setenv("APCA_API_DATA_URL", fake.base_url)
        assert use_alpaca_news(load_settings())
        assert isinstance(AgentTeam().news_source, AlpacaNews)
    finally:
        use_news(None)
