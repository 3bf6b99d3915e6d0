"""Reading the model's answer: one ```strategy block plus QUESTION/ASSUMPTION/MESSAGE lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.compiler.grounding import Evidence, ground
from app.compiler.result import CompileResult
from app.dsl import SpecError, analyse

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z_-]*)[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.M | re.S)
_TAGGED = re.compile(
    r"^[ \t]*(?:[-*][ \t]*)?(QUESTION|ASSUMPTION|MESSAGE)S?[ \t]*:[ \t]*(.*?)"
    r"[ \t]*$",
    re.M | re.I,
)
SPEC_LANGS = ("strategy", "parley", "")


@dataclass
class Answer:
    """One reply of the model, taken apart."""

    spec_text: str | None
    questions: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    message: str = ""
    problem: str = ""
    """A format problem to send back for repair (empty when the format is fine)."""


def read_answer(reply: str) -> Answer:
    """Split a reply into the spec block and the tagged lines around it."""
    blocks = [body for lang, body in _FENCE.findall(reply) if lang.lower() in SPEC_LANGS]
    outside = _FENCE.sub("", reply)
    tagged: dict[str, list[str]] = {"question": [], "assumption": [], "message": []}
    for tag, value in _TAGGED.findall("\n".join([outside, *blocks])):
        if value:
            tagged[tag.lower()].append(value)
    blocks = [_TAGGED.sub("", body) for body in blocks]  # tagged lines put inside the block
    answer = Answer(
        blocks[0] if blocks else None,
        tagged["question"],
        tagged["assumption"],
        " ".join(tagged["message"]),
    )
    if len(blocks) > 1:
        answer.problem = f"Your answer has {len(blocks)} ```strategy blocks; write exactly one."
    elif not blocks and "```" in outside:
        answer.problem = (
            "Your answer opens a ``` block that is not closed: end the spec "
            "with a line holding only ```."
        )
    elif not blocks and not any(tagged.values()):
        bare = outside.strip()
        if bare.startswith("strategy "):
            answer.spec_text = bare
    return answer


def evaluate(answer: Answer, evidence: Evidence) -> CompileResult | str:
    """A result, or the exact error text to send back for repair."""
    if answer.problem:
        return answer.problem
    if answer.spec_text is None:
        if answer.questions or answer.message:
            return CompileResult(
                spec=None,
                text=None,
                questions=tuple(answer.questions),
                assumptions=tuple(answer.assumptions),
                message=answer.message
                or "Parley needs more before it can write a spec: answer the questions.",
            )
        return (
            "Your answer has no ```strategy block and no QUESTION: or MESSAGE: line. "
            "Answer in the format the instructions describe."
        )
    spec, diagnostics = analyse(answer.spec_text)
    if diagnostics or spec is None:
        return SpecError(diagnostics, answer.spec_text, "spec").render()
    return ground(spec, answer.questions, answer.assumptions, evidence)
