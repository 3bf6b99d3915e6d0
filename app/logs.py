"""Logging: one logger per package (``logging.getLogger(__name__)``), written to a
rotating file under ``PARLEY_HOME/logs``, with every secret redacted before any handler
sees the record.

The faces (CLI, TUI) call :func:`setup_logging` once, with the home and the secret values
they read (:mod:`app.environment`); core code only logs. A run's own
lines also go to ``logs/runs/RUN.log`` while its process drives it (:func:`run_log`), which
``parley logs RUN`` prints.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = "app"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_BYTES, BACKUPS = 5_000_000, 5
_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{12,}"),  # Anthropic and OpenAI style keys
    re.compile(
        r"(?i)(authorization|x-api-key|apca-api-(?:key-id|secret-key))"
        r"(['\"]?\s*[:=]\s*['\"]?)(bearer\s+)?[^\s'\",}]+"
    ),
    re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+(@)"),  # any URL's password
)
MASK = "***"


class RedactSecrets(logging.Filter):
    """Replaces known secret values and key-shaped strings in a record's text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(MASK, text)
        text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def setup_logging(home: Path, verbose: bool = False, secrets: Iterable[str] = ()) -> Path:
    """Log to ``home/logs/parley.log`` (rotating); with ``verbose`` also to stderr.

    Returns the log file. A home that cannot be written is not an error: the records
    are dropped (and still shown on stderr with ``verbose``).
    """
    logger = logging.getLogger(ROOT)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    redact = RedactSecrets(secrets)
    path = home / "logs" / "parley.log"
    _add(logger, _LazyFile(path), redact)
    if verbose:
        _add(logger, logging.StreamHandler(), redact)
    return path


class _LazyFile(logging.handlers.RotatingFileHandler):
    """A rotating file made (folder and all) at the first record, not before, so a command
    that logs nothing writes nothing; a home that cannot be written drops the records
    instead of printing logging's own traceback."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )

    def _open(self):  # type: ignore[no-untyped-def]
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self.close()


def _add(logger: logging.Logger, handler: logging.Handler, redact: RedactSecrets) -> None:
    handler.addFilter(redact)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)


def run_log_path(home: Path, run_id: str) -> Path:
    return home / "logs" / "runs" / f"{run_id}.log"


@contextmanager
def run_log(home: Path, run_id: str, secrets: Iterable[str] = ()) -> Iterator[Path]:
    """While inside, the app's log lines also go to the run's own file, masking ``secrets``
    and those :func:`setup_logging` was given."""
    logger = logging.getLogger(ROOT)
    path = run_log_path(home, run_id)
    handler = _LazyFile(path)
    known = [
        s
        for h in logger.handlers
        for f in h.filters
        if isinstance(f, RedactSecrets)
        for s in f.secrets
    ]
    _add(logger, handler, RedactSecrets([*known, *secrets]))
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        handler.close()


def without_password(url: object) -> str:
    """``url`` as text with the password of its ``user:password@`` masked, for messages and
    labels that name a server."""
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", str(url))
