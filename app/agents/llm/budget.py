"""A per-run token budget and the run's LLM usage.

The budget counts the tokens of every answer the run *uses*, fresh or cached (a cached
answer at its recorded count), so a rerun from the cache runs out at the same point and
takes the same path. ``billed_*`` counts only fresh calls: what the run cost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RunUsage:
    """LLM use of a whole run so far."""

    calls: int
    cache_hits: int
    input_tokens: int
    output_tokens: int
    billed_input_tokens: int
    billed_output_tokens: int
    budget_tokens: int | None
    exhausted: bool

    def describe(self) -> str:
        budget = "no budget" if self.budget_tokens is None else f"budget {self.budget_tokens:,}"
        state = ", exhausted" if self.exhausted else ""
        return (
            f"{self.calls} calls ({self.cache_hits} from cache), "
            f"{self.input_tokens + self.output_tokens:,} tokens used ({budget}{state}); "
            f"billed {self.billed_input_tokens:,} in / {self.billed_output_tokens:,} out"
        )


class TokenBudget:
    """Counts tokens against an optional limit; once spent, stays spent for the run."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._used = 0
        self._counts = {
            "calls": 0,
            "cache_hits": 0,
            "input": 0,
            "output": 0,
            "billed_input": 0,
            "billed_output": 0,
        }

    @property
    def open(self) -> bool:
        """True while tokens remain (always, without a limit)."""
        with self._lock:
            return self.limit is None or self._used < self.limit

    @property
    def used(self) -> int:
        return self._used

    def charge(self, input_tokens: int, output_tokens: int, *, cached: bool) -> None:
        with self._lock:
            self._used += input_tokens + output_tokens
            c = self._counts
            c["cache_hits" if cached else "calls"] += 1
            c["input"] += input_tokens
            c["output"] += output_tokens
            if not cached:
                c["billed_input"] += input_tokens
                c["billed_output"] += output_tokens

    def usage(self) -> RunUsage:
        with self._lock:
            c = self._counts
            return RunUsage(
                calls=c["calls"] + c["cache_hits"],
                cache_hits=c["cache_hits"],
                input_tokens=c["input"],
                output_tokens=c["output"],
                billed_input_tokens=c["billed_input"],
                billed_output_tokens=c["billed_output"],
                budget_tokens=self.limit,
                exhausted=self.limit is not None and self._used >= self.limit,
            )

    def exhausted_note(self) -> str:
        return (
            f"token budget of {self.limit:,} exhausted ({self._used:,} used); "
            "deterministic forms from here on"
        )
