"""One decision's use of the model: masking, metering, and what degraded and why."""

from __future__ import annotations

import threading

from app.agents.llm.answers import A, AnswerError
from app.agents.llm.client import AgentLLM, LLMCallError, Meter
from app.agents.llm.masking import Masker
from app.agents.llm.prompts import system_prompt


class Session:
    """Asks the model on behalf of one decision and collects the reasons it degraded."""

    def __init__(self, llm: AgentLLM, masker: Masker) -> None:
        self.llm = llm
        self.masker = masker
        self.meter = Meter()
        self._lock = threading.Lock()
        self._problems: list[str] = []

    def budget_open(self) -> bool:
        """True while the run's budget has tokens; else records the exhaustion once."""
        if self.llm.budget.open:
            return True
        self.problem(self.llm.budget.exhausted_note())
        return False

    def ask(
        self, role: str, kind: type[A], user: str, *, check_budget: bool = True
    ) -> tuple[A | None, str]:
        """The checked answer, or ``(None, why)`` when the caller must fall back.

        ``check_budget=False`` is for a batch whose budget the caller checked once before
        dispatching it, so concurrent calls cannot race over the last tokens.
        """
        if check_budget and not self.budget_open():
            return None, "token budget exhausted: deterministic form"
        try:
            return self.llm.ask(system_prompt(role, kind), user, kind, self.meter), ""
        except AnswerError as exc:
            why = f"{role}: LLM answer {exc}; deterministic form used"
        except LLMCallError as exc:
            why = f"{role}: LLM call failed ({exc}); deterministic form used"
        self.problem(why)
        return None, why

    def problem(self, why: str) -> None:
        with self._lock:
            if why not in self._problems:
                self._problems.append(why)

    @property
    def problems(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._problems)
