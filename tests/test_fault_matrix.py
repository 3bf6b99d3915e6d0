"""The fault matrix, end to end: the real ``parley`` process under a corrupt store, a
read-only home, two processes creating one store, a stopped PostgreSQL server, no network,
refused keys and an unreachable LLM API. Each gives a clear message (exit 1) or degrades
and says so; none prints a traceback or a key value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fault_cases as fc


def _clean(o: fc.Outcome) -> None:
    assert "Traceback" not in o.text, o.text
    for value in (*fc.FAKE_KEYS.values(), fc.PG_PASSWORD):
        assert value not in o.text, f"{o.fault}: a key value was printed"


def _message(o: fc.Outcome, *words: str) -> str:
    _clean(o)
    assert o.code == 1, (o.code, o.text)
    first = o.err.splitlines()[0]
    assert first.startswith("error: "), o.text
    for w in words:
        assert w in o.text, (w, o.text)
    return first


def test_a_text_file_as_the_database_is_named_and_the_fix_given(tmp_path: Path) -> None:
    o = fc.corrupt_text(tmp_path)
    _message(o, "is not a readable Parley database", "parley.db", "mv ")


def test_a_truncated_database_is_named(tmp_path: Path) -> None:
    o = fc.truncated(tmp_path)
    _message(o, "is not a readable Parley database", "malformed")


def test_a_read_only_home_still_lists_the_runs(tmp_path: Path) -> None:
    o = fc.read_only_home(tmp_path)
    if o is None:
        pytest.skip("no way to mount a folder read-only here")
    _clean(o)
    assert o.code == 0, o.text
    assert "fault matrix run" in o.out


@pytest.mark.parametrize("args", [["status", "RUN"], ["decisions", "RUN"]])
def test_a_read_only_home_shows_a_run(tmp_path: Path, args: list[str]) -> None:
    o = fc.read_only_home(tmp_path, args)
    if o is None:
        pytest.skip("no way to mount a folder read-only here")
    _clean(o)
    assert o.code == 0, o.text


def test_a_write_to_a_read_only_home_says_so(tmp_path: Path) -> None:
    o = fc.read_only_home(tmp_path, ["stop", "RUN"])
    if o is None:
        pytest.skip("no way to mount a folder read-only here")
    _message(o, "is read-only", "PARLEY_HOME")


def test_a_write_to_a_read_only_database_says_so(tmp_path: Path) -> None:
    o = fc.read_only_db(tmp_path)
    if o is None:
        pytest.skip("no way to mount a file read-only here")
    _message(o, "is read-only")


def test_processes_creating_one_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(3):
        for o in fc.creation_race(tmp_path / str(round_)):
            _clean(o)
            assert o.code == 0, o.text
            assert "no runs yet" in o.out


def test_a_postgres_server_that_is_down_is_named_by_host_and_port(tmp_path: Path) -> None:
    o = fc.postgres_down(tmp_path)
    if o is None:
        pytest.skip("PostgreSQL is not installed here")
    first = _message(o, "PARLEY_DATABASE_URL")
    assert "cannot reach the database server at 127.0.0.1:" in first
    assert "connection refused" in first


def test_no_network_gives_a_message_and_no_raw_reason(tmp_path: Path) -> None:
    o = fc.network_down(tmp_path)
    first = _message(o, "APCA_API_BASE_URL")  # the broker is asked first
    assert first.startswith("error: cannot reach http://127.0.0.1:"), first
    reasons = fc.stored_reasons(tmp_path / "home")
    assert reasons and all("HTTPConnectionPool" not in r and "Errno" not in r for r in reasons), (
        reasons
    )
    assert fc.leaked(tmp_path / "home") == []  # the database and the logs hold no key


def test_refused_keys_at_the_live_confirmation_give_a_message(tmp_path: Path) -> None:
    o = fc.bad_keys_live(tmp_path)
    first = _message(o, "APCA_API_KEY_ID")
    assert "Alpaca refused the keys" in first and "401" in first
    assert fc.leaked(tmp_path / "home") == []


def test_an_unreachable_llm_api_degrades_fast_and_says_so(tmp_path: Path) -> None:
    o = fc.llm_down(tmp_path)
    _clean(o)
    assert o.code == 0, o.text
    assert "warning: the LLM agents fell back to the offline team" in o.err
    assert "Total return" in o.out
    assert fc.leaked(tmp_path / "home") == []
