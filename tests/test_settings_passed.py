"""Settings are read at the faces and passed in: the core never loads them itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.config import load_settings
from app.dsl import parse_spec
from tests.conftest import ROOT

FACES = ("app/cli/", "app/tui/", "app/config.py")
NOT_YET = {
    "app/agents/gate.py",
    "app/agents/team.py",
    "app/compiler/conversation.py",
    "app/market/alpaca_cache.py",
    "app/market/data_source.py",
}
"""Core modules that still load the settings when none are passed (issue 17): shrinks."""
TEAM = """strategy "team"
universe GOOG
long when close > sma(close, 20)
agents all
"""


def test_no_core_module_loads_the_settings() -> None:
    calls = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(FACES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Name | ast.Attribute)
                and (getattr(node, "id", None) or getattr(node, "attr", None)) == "load_settings"
            ):
                calls.append(name)
    new = sorted(set(calls) - NOT_YET)
    assert not new, f"core code loads the settings (take them as an argument): {new}"
    assert not NOT_YET - set(calls), "no longer loads them: drop it from NOT_YET"


class _LiveFeed:
    live = True


def _team_after_attach(tmp_path: Path, settings: object) -> object:
    from app.backtest.gates import gates_for_spec
    from app.runner import Runner
    from app.store import Store

    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    chain, _ = gates_for_spec(parse_spec(TEAM))
    runner = Runner(store, "r1", _LiveFeed(), settings=settings)  # type: ignore[arg-type]
    runner._attach_memory(chain)
    (gate,) = chain.gates
    return gate.team  # type: ignore[attr-defined]


def test_a_live_runs_team_reads_news_with_the_keys_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.agents import headlines
    from app.agents.headlines import AlpacaNews

    # No process-wide news left by other tests, whichever copy of the module they set it in
    # (a test that re-imports app modules leaves app.agents.team holding the old one).
    monkeypatch.setattr(headlines, "_DEFAULT", [None])
    monkeypatch.setattr("app.agents.team.default_news", lambda: None)
    monkeypatch.setenv("APCA_API_KEY_ID", "PKTESTKEYID0001")
    monkeypatch.setenv("APCA_API_SECRET_KEY", "testsecret0001")
    assert isinstance(_team_after_attach(tmp_path, load_settings()).news_source, AlpacaNews)
    assert _team_after_attach(tmp_path, None).news_source is None  # no keys given: none read
