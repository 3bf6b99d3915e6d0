"""Entry and exit rules: find "buy ... when", "sell when", "short if", "cover when" clauses
and turn each condition into a condition tree.

A clause runs from its action word to the next action word in the same sentence. When the
condition comes first ("MACD crosses its signal line -> buy", "when RSI falls below 25 I
want to buy"), the text before the action word is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.compiler.offline.atoms import Failure, parse_piece
from app.compiler.offline.comparators import find_comparator
from app.compiler.offline.conds import Cond, Operand, all_of, any_of, atoms, negate
from app.compiler.offline.phrases import Role
from app.compiler.offline.scanner import Scanner, has_words

TRIGGER = re.compile(
    r"\b(?P<cover>buy(?:s|ing)?\s+to\s+cover|buy(?:s|ing)?\s+(?:it\s+|them\s+)?back|cover(?:s|ing|"
    r"ed)?"
    r"(?:\s+the\s+short)?)\b"
    r"|\b(?P<short>sell(?:s|ing)?\s+(?:it\s+)?short|short[- ]sell(?:s|ing)?|go(?:es|ing)?\s+short|"
    r"enter(?:s|ing)?\s+(?:a\s+)?short|open\s+(?:a\s+)?short(?:\s+position)?(?:\s+in)?|"
    r"short(?:s|ing|ed)?(?![- ]term))\b"
    r"|\b(?P<long>buy(?:s|ing)?|bought|go(?:es|ing)?\s+long(?:\s+on)?|enter(?:s|"
    r"ing)?\s+(?:a\s+)?long|get\s+long|"
    r"get\s+in|open\s+(?:a\s+)?long(?:\s+position)?(?:\s+in)?|long(?![- ]term)|purchase|entry|"
    r"enter(?:s|ing)?|dca\s+into|accumulate|"
    r"trade(?=[^.;]*\b(?:when|if)\b))\b"
    r"|\b(?P<exit>sell(?:s|ing)?|sold|exit(?:s|ing|ed)?|close(?:s)?\s+(?:the\s+|my\s+|"
    r"out\s+(?:the\s+)?)?"
    r"(?:position|trade|it|them)s?|close\s+out|close(?=\s+(?:when|if|once|on|at|after)\b)|"
    r"get(?:s)?\s+out|take\s+profits?|cash\s+out|flatten|"
    r"(?<!break\s)(?<!breaks\s)out(?=\s+(?:on|when|if|at|once)))\b")
SENTENCE = re.compile(r"\.(?!\d)|[;!?\n]")
_LEAD = re.compile(r"^(?:\s|[,:\-]|\bthen\b|\bwhen(?:ever)?\b|\bif\b|\bonce\b|\bas\s+soon\s+as\b|"
                   r"\bon\b|"
                   r"\b(?:every|each|any)\s*time\b|"
                   r"\bat\b|\bupon\b|\bonly\s+(?:when|if)\b|\bwhere\b|\bafter\b|\bthe\s+moment\b|"
                   r"\bi\s+want\s+to\b|\bin\b|\bit\s+when\b|\band\b|\bthe\s+position\b|"
                   r"\bpositions?\b)+")
_TRAIL = re.compile(r"(?:\s|[,:\-]|\bthen\b|\band\b|\bor\b|\bi\b|\bwe\b|\bwant\s+to\b|"
                    r"\bwould\s+like\s+to\b|"
                    r"\binstead\b|\btoo\b|\bas\s+well\b|\bnow\b|\brather\b|"
                    r"\b(?:i'd|i\s+would)\s+like\s+to\b|\bwill\b|\bto\b|\bin\b|\bon\b|\bof\b|"
                    r"\bfor\b|"
                    r"\bat\b|\bwith\b|\bthe\b|\ba\b|\bplease\b|\bpls\b)+$")
_SPLIT_OR = re.compile(r"\s*,?\s*\b(?:or|either)\b\s*|\s*\|\|\s*")
_SPLIT_AND = re.compile(r"\s*,?\s*\b(?:and|but\s+only\s+(?:when|if)|but|while|as\s+long\s+as|"
                        r"(?:only\s+)?(?:when|if)|"
                        r"provided(?:\s+that)?|with|plus|also)\b\s*|\s*&&?\s*")
_WHEN = re.compile(r"\b(?:when(?:ever)?|if|once|as\s+soon\s+as|(?:every|each|any)\s*time)\b")
OTHERWISE = re.compile(r"\b(?:otherwise|else)\s*,?\s+(?:stay\s+(?:in\s+cash|out|flat)|sell|exit|"
                       r"get\s+out|"
                       r"be\s+flat|go\s+flat|go\s+to\s+cash|close(?:\s+it)?|stay\s+in\s+cash|"
                       r"be\s+in\s+cash)\b")
_COMMA = re.compile(r",(?![^(]*\))")
_HOLD_ON = re.compile(r"^(?:and\s+)?hold(?:\s+(?:it|on|forever|long[- ]term))?$")
_PAREN_RULE = re.compile(r"\(([^()]*\b(?:above|below|over|under|crosses)\b[^()]*|"
                         r"[^()]*[<>][^()]*)\)")
_ARROW = re.compile(r"\S[^,]*\bthen\s*[:,]?\s*$")
_CONTINUE = re.compile(r"^\s*(?:and|or|but|while|with|as long as|provided|plus)\b")
_BETWEEN = re.compile(r"\bbetween\s+(\S+(?:\s+\S+)?)\s+and\s+(\S+)")


@dataclass
class Clause:
    kind: str
    """long, short, exit or cover."""
    text: str
    start: int
    end: int
    answer: bool = False
    """A sentence with a condition but no action word ("when RSI(14) is below 30"), read as
    the condition of the rule that still lacks one (an answer to a question)."""
    cond_span: tuple[int, int] = (0, 0)
    """Where a condition introduced by 'when'/'if' stands in the text (empty otherwise), to
    spot symbols named inside a condition."""


@dataclass
class Rules:
    """The rules read, and what could not be read."""

    long_entry: Cond | None = None
    long_exit: Cond | None = None
    short_entry: Cond | None = None
    short_exit: Cond | None = None
    questions: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)
    """Rule keys whose clause was present but unreadable."""
    condition_spans: list[tuple[int, int]] = field(default_factory=list)
    pending: dict[str, list[str]] = field(default_factory=dict)
    """Questions from each rule's unreadable clauses; dropped if another clause answered."""
    bare_entries: list[str] = field(default_factory=list)
    """Entry clauses with no condition at all ("buy SPY")."""
    exits_without_side: bool = False


def find_clauses(s: Scanner) -> list[Clause]:
    """Every action clause, with its condition text, blanking what it uses."""
    clauses: list[Clause] = []
    pos = 0
    for part in SENTENCE.split(s.work + "."):
        found = _sentence_clauses(s, part, pos)
        if not found and find_comparator(part) and (clauses or _WHEN.match(part.strip())):
            kind = clauses[-1].kind if clauses else "long"
            found = [Clause(kind, part, pos, pos + len(part), answer=True)]
            s.blank(pos, min(pos + len(part), len(s.work)))
        clauses += found
        pos += len(part) + 1
    return clauses


def _sentence_clauses(s: Scanner, sentence: str, offset: int) -> list[Clause]:
    found = list(TRIGGER.finditer(sentence))
    out = []
    if not found and re.search(r"\bgolden\s+cross", sentence):
        out.append(Clause("long", sentence, offset, offset + len(sentence)))
    arrows = [bool(_ARROW.search(sentence[found[i - 1].end() if i else 0:m.start()]))
              for i, m in enumerate(found)]
    for i, m in enumerate(found):
        body, start, body_at, end = _body(sentence, found, arrows, i)
        kind = next(k for k, v in m.groupdict().items() if v)
        a, b = condition_span(body) if _WHEN.search(body) else (0, 0)
        out.append(Clause(kind, body, offset + min(start, m.start()), offset + end,
                          cond_span=(offset + body_at + a, offset + body_at + b)))
    for c in out:
        s.blank(c.start, min(c.end, len(s.work)))
    return out


def _body(sentence: str, found: list[re.Match[str]], arrows: list[bool],
          i: int) -> tuple[str, int, int, int]:
    """A trigger's condition text, its clause start, where the text starts, and the clause end.

    "RSI crosses below 30 -> buy" puts the condition before the action word (an arrow,
    read as "then"); otherwise it follows, up to the next action word.
    """
    m = found[i]
    before = found[i - 1].end() if i else 0
    if arrows[i]:
        lead = len(sentence[before:m.start()]) - len(sentence[before:m.start()].lstrip(" ,;:"))
        return sentence[before + lead:m.start()], before, before + lead, m.end()
    nxt = i + 1 < len(found)
    end = (m.end() if arrows[i + 1] else found[i + 1].start()) if nxt else len(sentence)
    body, start, body_at = sentence[m.end():end], m.start(), m.end()
    if not _clean(body) and i == 0 and has_words(sentence[:m.start()]):
        body, start, body_at = sentence[:m.start()], 0, 0
    return body, start, body_at, end


def _clean(text: str) -> str:
    text = _TRAIL.sub("", _LEAD.sub("", text.strip()))
    return text.strip()


def read_rules(s: Scanner, base: dict[str, Cond] | None = None) -> Rules:
    """All entry and exit rules of the text.

    ``base`` holds the entry rules of a previous spec, so a follow-up exit ("sell when it
    crosses back") can refer to them.
    """
    rules = Rules()
    base = base or {}
    otherwise = s.take_first(OTHERWISE)
    clauses = find_clauses(s)
    rules.condition_spans = [c.cond_span for c in clauses]
    for c in clauses:
        if c.kind in ("long", "short"):
            other = rules.long_entry if c.kind == "short" else rules.short_entry
            _add(rules, f"{c.kind}_entry", c, Role(c.kind, False, other), s)
    for c in clauses:
        if c.kind in ("exit", "cover"):
            side = "short" if c.kind == "cover" else _exit_side(c, clauses, rules, base)
            entry = getattr(rules, f"{side}_entry") or base.get(f"{side}_entry")
            _add(rules, f"{side}_exit", c, Role(side, True, entry), s)
    if otherwise is not None:
        for side in ("long", "short"):
            entry = getattr(rules, f"{side}_entry")
            if entry is not None and getattr(rules, f"{side}_exit") is None:
                setattr(rules, f"{side}_exit", negate(entry))
    for key, questions in rules.pending.items():
        if getattr(rules, key) is None:
            rules.questions += [q for q in questions if q not in rules.questions]
        else:
            rules.failed.pop(key, None)
    return rules


def _exit_side(clause: Clause, clauses: list[Clause], rules: Rules,
               base: dict[str, Cond]) -> str:
    before = [c.kind for c in clauses if c.kind in ("long", "short") and c.start < clause.start]
    if before:
        return before[-1]
    long_entry = rules.long_entry or base.get("long_entry")
    short_entry = rules.short_entry or base.get("short_entry")
    if long_entry is None and short_entry is not None:
        return "short"
    if long_entry is None and short_entry is None:
        rules.exits_without_side = True
    return "long"


def _add(rules: Rules, key: str, clause: Clause, role: Role, s: Scanner) -> None:
    text = _HOLD_ON.sub("", _condition_text(clause.text, s))
    old = getattr(rules, key)
    if clause.answer and old is not None:
        s.not_understood(text)
        return
    if not has_words(text):
        if key.endswith("entry"):
            rules.bare_entries.append(key)
        return
    cond = parse_condition(text, role, rules.pending.setdefault(key, []), s)
    if cond is None:
        rules.failed.setdefault(key, []).append(text)
        return
    setattr(rules, key, cond if old is None else any_of([old, cond]))


def condition_span(body: str) -> tuple[int, int]:
    """Where the condition stands in a clause body: from 'when' (if said) to a comma that
    does not continue it."""
    lead = _WHEN.search(body)
    start = lead.start() if lead else 0
    pieces = _COMMA.split(body[start:])
    end = start + len(pieces[0])
    for piece in pieces[1:]:
        if has_words(piece) and not _CONTINUE.match(piece):
            break
        end += 1 + len(piece)
    return start, end


def _condition_text(body: str, s: Scanner) -> str:
    """The condition part of a clause body; words around it are reported, not dropped."""
    start, end = condition_span(body)
    for outside in (body[:start], *_COMMA.split(body[end:])):
        if has_words(outside):
            s.not_understood(outside)
    return _clean(body[start:end].replace(",", " "))


def parse_condition(text: str, role: Role, questions: list[str], s: Scanner) -> Cond | None:
    """A condition from words; None (with a question or unknown words noted) if it fails."""
    text = _PAREN_RULE.sub(r" and \1 ", _BETWEEN.sub(r"between \1 ~ \2", text))
    ors = []
    for alternative in _SPLIT_OR.split(text):
        prev_left: Operand | None = None
        items: list[Cond] = []
        for piece in _SPLIT_AND.split(alternative):
            if not has_words(piece):
                continue
            result = parse_piece(_clean(piece), role, prev_left)
            if isinstance(result, Failure):
                _note_failure(result, questions, s)
                return None
            items.append(result)
            prev_left = atoms(result)[-1].left if atoms(result) else prev_left
        if items:
            ors.append(all_of(items))
    return any_of(ors) if ors else None


def _note_failure(failure: Failure, questions: list[str], s: Scanner) -> None:
    if failure.question and failure.question not in questions:
        questions.append(failure.question)
    if failure.words and not failure.question:
        s.not_understood(failure.words)
