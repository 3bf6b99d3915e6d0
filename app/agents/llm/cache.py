"""LLM answers on disk, keyed by a hash of the exact request, so a rerun is free and identical.

One JSON file per answer under ``<home>/cache/agents/<2 hex>/<hash>.json`` holding the raw
answer text and its token usage. Malformed answers are cached too: a rerun replays the
same repair path without a call.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from app.config import Settings


def request_key(request: dict[str, Any]) -> str:
    """sha256 of the request's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class AnswerCache:
    """A folder of cached answers; safe to share between threads and processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_settings(cls, settings: Settings) -> AnswerCache:
        return cls(settings.home / "cache" / "agents")

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached answer, or None (also for a damaged file: it is asked again)."""
        try:
            answer = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        ok = (
            isinstance(answer, dict)
            and isinstance(answer.get("text"), str)
            and all(isinstance(answer.get(k), int) for k in ("input_tokens", "output_tokens"))
        )
        return answer if ok else None

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Write atomically (temp file, then rename) so a reader never sees half a file."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(answer, out, ensure_ascii=False)
        os.replace(tmp, path)
