"""What each LLM agent must answer, and how an answer is checked before Parley uses it.

Numbers are clamped into range in code (a score of 5000 becomes 100, a size factor of 5
becomes 1); anything that cannot be read (not JSON, a missing field, a stance that
contradicts its score) is an :class:`AnswerError`, whose message goes back to the model
in the one repair try.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_TEXT = 1200
MAX_ITEMS = 8


class AnswerError(ValueError):
    """An answer Parley cannot use; the message says why, for the repair prompt."""


def _clip(value: Any, low: float, high: float) -> Any:
    """Clamp a finite number into range; leave anything else for validation to reject."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return min(high, max(low, float(value)))
    return value


def _cut(value: Any, limit: int = MAX_TEXT) -> Any:
    return value[:limit] if isinstance(value, str) else value


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)


class EvidenceAnswer(_Answer):
    fact: str = Field(min_length=1)
    value: float | None = None
    points: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {
                **data,
                "fact": _cut(data.get("fact"), 300),
                "points": _clip(data.get("points", 0.0), -100, 100),
            }
        return data


class OpinionAnswer(_Answer):
    stance: Literal["bullish", "bearish", "neutral", "abstain"]
    score: float
    rationale: str
    evidence: list[EvidenceAnswer] = []

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if isinstance(data, dict):
            ev = data.get("evidence", [])
            data = {
                **data,
                "score": _clip(data.get("score"), -100, 100),
                "rationale": _cut(data.get("rationale")),
                "evidence": ev[:MAX_ITEMS] if isinstance(ev, list) else ev,
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> OpinionAnswer:
        bad = (self.stance == "bullish" and self.score < 0) or (
            self.stance == "bearish" and self.score > 0
        )
        if bad:
            raise ValueError(f"stance {self.stance} contradicts score {self.score:+.0f}")
        return self


class TurnAnswer(_Answer):
    argument: str = Field(min_length=1)
    answers: str | None = None
    points: list[str] = []
    strength: float

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if isinstance(data, dict):
            pts = data.get("points", [])
            data = {
                **data,
                "argument": _cut(data.get("argument")),
                "answers": _cut(data.get("answers"), 300),
                "points": [_cut(p, 300) for p in pts[:MAX_ITEMS]] if isinstance(pts, list) else pts,
                "strength": _clip(data.get("strength"), 0, 100),
            }
        return data


class RiskAnswer(_Answer):
    action: Literal["approve", "shrink", "veto"]
    size_factor: float
    reasons: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if isinstance(data, dict):
            rs = data.get("reasons", [])
            data = {
                **data,
                "size_factor": _clip(data.get("size_factor"), 0, 1),
                "reasons": [_cut(r, 300) for r in rs[:MAX_ITEMS]] if isinstance(rs, list) else rs,
            }
        return data


class TraderAnswer(_Answer):
    conviction: float
    size_factor: float
    rationale: str

    @model_validator(mode="before")
    @classmethod
    def _clamp(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {
                **data,
                "conviction": _clip(data.get("conviction"), 0, 100),
                "size_factor": _clip(data.get("size_factor"), 0, 1),
                "rationale": _cut(data.get("rationale")),
            }
        return data


A = TypeVar("A", bound=_Answer)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_answer(text: str, kind: type[A]) -> A:
    """The answer in ``text`` (a JSON object, optionally fenced), checked and clamped.

    Raises:
        AnswerError: not a JSON object, or not the shape ``kind`` needs.
    """
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise AnswerError("the answer holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise AnswerError(f"the JSON does not parse: {exc}") from None
    if not isinstance(data, dict):
        raise AnswerError("the answer must be one JSON object")
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise AnswerError(f"the JSON does not fit the schema: {problems}") from None


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


_STR = {"type": "string"}
_NUM = {"type": "number"}
_EVIDENCE = _obj(
    {"fact": _STR, "value": {"type": ["number", "null"]}, "points": _NUM},
    ["fact", "value", "points"],
)

SCHEMAS: dict[type[_Answer], dict[str, Any]] = {
    OpinionAnswer: _obj(
        {
            "stance": {"type": "string", "enum": ["bullish", "bearish", "neutral", "abstain"]},
            "score": _NUM,
            "rationale": _STR,
            "evidence": {"type": "array", "items": _EVIDENCE},
        },
        ["stance", "score", "rationale", "evidence"],
    ),
    TurnAnswer: _obj(
        {
            "argument": _STR,
            "answers": {"type": ["string", "null"]},
            "points": {"type": "array", "items": _STR},
            "strength": _NUM,
        },
        ["argument", "answers", "points", "strength"],
    ),
    RiskAnswer: _obj(
        {
            "action": {"type": "string", "enum": ["approve", "shrink", "veto"]},
            "size_factor": _NUM,
            "reasons": {"type": "array", "items": _STR},
        },
        ["action", "size_factor", "reasons"],
    ),
    TraderAnswer: _obj(
        {"conviction": _NUM, "size_factor": _NUM, "rationale": _STR},
        ["conviction", "size_factor", "rationale"],
    ),
}
"""JSON schemas sent as the structured-output format (ranges are enforced in code)."""
