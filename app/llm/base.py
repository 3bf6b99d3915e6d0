"""What every chat model answers with, and how its failures read."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from app.errors import ParleyError

TextCallback = Callable[[str], None]
Message = dict[str, str]


@dataclass(frozen=True)
class Reply:
    """One answer: its text, what it cost in tokens, and who gave it."""

    text: str
    input_tokens: int
    output_tokens: int
    model: str
    provider: str
    stop: str = "end"
    """``end``, ``max_tokens`` (cut off) or ``refusal``."""
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class LLMError(ParleyError):
    """A call that failed: unreachable, too slow, refused (401/403), rate-limited after the
    SDK's own retries, or a server error. ``kind`` is ``timeout``, ``connection``, ``auth``,
    ``rate_limit``, ``bad_request`` or ``server``."""

    def __init__(self, message: str, kind: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.kind = kind


class ChatModel(Protocol):
    """A model that answers a system prompt and alternating user/assistant messages."""

    provider: str
    model: str

    @property
    def label(self) -> str:
        """``provider model`` for the UI (which provider and model answered)."""
        ...

    def complete(
        self,
        system: str,
        messages: list[Message],
        *,
        max_tokens: int,
        json_schema: dict[str, Any] | None = None,
        on_text: TextCallback | None = None,
        cache_system: bool = False,
    ) -> Reply:
        """The model's answer.

        Args:
            json_schema: Ask for JSON of this schema where the provider can enforce it;
                callers still parse the text (a model without JSON mode answers in prose).
            on_text: Stream the answer, calling this with each chunk.
            cache_system: Ask the provider to cache the system prompt (Anthropic).

        Raises:
            LLMError: the call failed (the message names the provider and what to do).
        """
        ...


@contextmanager
def logged_call(log: logging.Logger, label: str) -> Iterator[list[Reply]]:
    """Log one model call: who answered, tokens, stop reason and seconds (debug), or why it
    failed (warning). Never the prompt, the answer or a key. Append the reply to the
    yielded list."""
    got: list[Reply] = []
    start = time.perf_counter()
    try:
        yield got
    except LLMError as err:
        log.warning(
            "%s failed after %.2f s (%s): %s",
            label,
            time.perf_counter() - start,
            err.kind,
            err.message,
        )
        raise
    if got:
        r = got[-1]
        log.debug(
            "%s answered as %s: %d in, %d out tokens (cache read %d), stop %s, %.2f s",
            label,
            r.model,
            r.input_tokens,
            r.output_tokens,
            r.cache_read_tokens,
            r.stop,
            time.perf_counter() - start,
        )
