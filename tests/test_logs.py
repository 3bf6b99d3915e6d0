"""Logs: a rotating file under PARLEY_HOME, secrets redacted, `parley logs RUN`, and a
read-only home is no error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import environment
from app.logs import MASK, RedactSecrets, run_log, setup_logging

KEY = "sk-ant-api03-" + "x" * 40
SECRET = "alpacaSecretValue123456"


@pytest.fixture(autouse=True)
def _restore():
    yield
    logger = logging.getLogger("app")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()


def test_secrets_never_reach_the_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
    path = setup_logging(tmp_path, secrets=environment.secrets())  # as the faces call it
    log = logging.getLogger("app.broker.alpaca")
    log.info("submitting with headers %s", {"APCA-API-SECRET-KEY": SECRET, "x": 1})
    log.warning("anthropic said 401 for key %s", KEY)
    log.info("Authorization: Bearer abc.def.ghi and db postgresql://u:hunter2@h/db")
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        log.exception("failed")
    text = path.read_text()
    assert SECRET not in text and KEY not in text and "abc.def.ghi" not in text
    assert "hunter2" not in text and text.count(MASK) >= 5
    assert "app.broker.alpaca" in text and "failed" in text


def test_a_command_that_logs_nothing_writes_nothing(tmp_path: Path) -> None:
    setup_logging(tmp_path / "home")
    assert not (tmp_path / "home").exists()


def test_an_unwritable_home_drops_records_quietly(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a home below a file cannot be made, even by root
    setup_logging(blocker / "home")
    logging.getLogger("app.x").info("hello")
    logging.getLogger("app.x").info("again")
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err


def test_a_runs_log_masks_the_secrets_the_face_gave(tmp_path: Path) -> None:
    setup_logging(tmp_path, secrets=[SECRET])
    with run_log(tmp_path, "r9", secrets=["anotherSecret99"]) as path:
        logging.getLogger("app.runner").info("keys %s and %s", SECRET, "anotherSecret99")
    text = path.read_text()
    assert SECRET not in text and "anotherSecret99" not in text and text.count(MASK) == 2


def test_redaction_keeps_ordinary_text() -> None:
    r = RedactSecrets(["abcdef123"])
    assert r.redact("order GOOG 10 @ 12.5 filled") == "order GOOG 10 @ 12.5 filled"
    assert r.redact("key abcdef123 used") == f"key {MASK} used"


def test_parley_logs_prints_a_runs_log(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    with run_log(tmp_path, "r123"):
        logging.getLogger("app.runner").info("bar 1 processed")
    logging.getLogger("app.runner").info("after the run")
    env = {**os.environ, "PARLEY_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "app", "logs", "r123"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "bar 1 processed" in done.stdout
    assert "after the run" not in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "app", "logs", "nope"], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 1 and "no log for run 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_password_in_any_url_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only database URLs: an LLM endpoint or Alpaca data URL with user:password@."""
    from app.logs import without_password

    redact = RedactSecrets().redact
    for url, shown in [
        ("http://bob:llmsecretPW@127.0.0.1:9/v1", "http://bob:***@127.0.0.1:9/v1"),
        ("wss://al:datapw99@stream.example/v2", "wss://al:***@stream.example/v2"),
        ("postgresql+psycopg://u:p%40ss@h/db", "postgresql+psycopg://u:***@h/db"),
    ]:
        assert redact(f"cannot reach {url} now") == f"cannot reach {shown} now"
        assert without_password(url) == shown
    assert redact("https://example.com/a:b@c") == "https://example.com/a:b@c"  # a path
    monkeypatch.setenv("PARLEY_LLM_BASE_URL", "http://bob:p%40ssw0rd99@127.0.0.1:9/v1")
    assert {"p%40ssw0rd99", "p@ssw0rd99"} <= set(environment.secrets())
    assert (
        RedactSecrets(environment.secrets()).redact("auth p@ssw0rd99 failed")
        == f"auth {MASK} failed"
    )


def test_an_unreachable_model_server_is_named_without_its_password() -> None:
    """The real SDK against a loopback port nobody listens on (refused at once)."""
    import openai

    from app.llm.base import LLMError
    from app.llm.openai_chat import OpenAIChat

    client = openai.OpenAI(
        base_url="http://bob:llmsecretPW@127.0.0.1:9/v1", api_key="k", max_retries=0, timeout=5
    )
    chat = OpenAIChat(client, "m")
    with pytest.raises(LLMError) as err:
        chat.complete("system", [{"role": "user", "content": "hi"}], max_tokens=5)
    assert "Could not reach the model server at http://bob:***@127.0.0.1:9" in str(err.value)
    assert "llmsecretPW" not in str(err.value) and "llmsecretPW" not in chat.label
