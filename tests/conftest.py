from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import caches, environment

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "app" / "data"
STRATEGIES = ROOT / "strategies"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads or writes the user's real Parley folder, or sees real keys; the caches
    are under that folder, as a face sets them (``app.caches``)."""
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path_factory.mktemp("parley-home")))
    for key in ("ANTHROPIC_API_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    previous = caches.use(environment.caches())
    yield
    caches.use(previous)


@pytest.fixture(autouse=True)
def _app_logger_restored() -> Iterator[None]:
    """A command a test runs sets up the ``app`` logger (its file handler, no propagation);
    later tests see the logger as it was, so ``caplog`` still hears ``app.*`` records."""
    logger = logging.getLogger("app")
    level, propagate, handlers = logger.level, logger.propagate, list(logger.handlers)
    yield
    for handler in [h for h in logger.handlers if h not in handlers]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(level)
    logger.propagate = propagate
