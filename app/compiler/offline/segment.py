"""A description -> clauses, each with the role its heading gives it.

Formatting is taken apart here: headings ending in a colon ("Exit:"), numbered and
bulleted lists, sentences, semicolons, and the commas and "and"s that start a new part
("..., sell when ...", "... and a 2% stop"). The grammar then reads each clause alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.compiler.offline import vocab
from app.compiler.offline.lexer import Lexed, Tok, lex

_BULLET = re.compile(
    r"^\s*(?:[-*•·▪►>●○◦■□▸▹➤➥→✅✔☑🔹🔸]+|\(?\d{1,2}[.)]|\(?[a-hA-H][.)]|#+|step \d+:?)\s+"
)
_HEADER = re.compile(
    r"^\s*([A-Za-z][A-Za-z /&()-]{0,40}?)\s*[:\-–—]\s+(?=\S)"
    r"|^\s*([A-Za-z][A-Za-z /&()-]{0,40}?)\s*:\s*$"
)
_SENTENCE = re.compile(r"(?<=[^\s.])[.!?](?=\s|$)|;|\n")
_ABBREV = {
    "e.g.": "eg",
    "e.g": "eg",
    "i.e.": "ie",
    "vs.": "vs",
    "approx.": "approx",
    "etc.": "etc",
    "no.": "number",
    "ca.": "ca",
}

STARTERS = {
    "SIDE",
    "STOP",
    "TARGET",
    "TRAIL",
    "HOLD",
    "SIZE",
    "RISK",
    "DIR",
    "AGENTS",
    "RRWORD",
    "CHANGE",
}
LEADS = {"SIDE", "WHEN", "AND", "OR"}
"""Token kinds that open a new part of a sentence after a comma or an "and"."""
LEVEL_UNITS = {
    "STOP",
    "TARGET",
    "TRAIL",
    "SHARES",
    "EQUITY",
    "LOTS",
    "RISK",
    "HOLD",
    "ENTRYREF",
    "SIZE",
    "RRWORD",
}


@dataclass
class Clause:
    """One clause: its text, tokens and the role of the heading it stands under."""

    text: str
    lexed: Lexed
    role: str | None = None
    aside: bool = False
    """A bracketed aside or a trailing gloss ("..., indicating oversold"): commentary."""
    optional: bool = False
    """Part of a variant the text offers but does not choose ("(Optional) ...")."""
    defined: bool = False
    """A definition ("an uptrend is defined as ..."), read where the word it defines is."""

    @property
    def toks(self) -> list[Tok]:
        return self.lexed.toks


def clauses(text: str) -> list[Clause]:
    """Every clause of a description, in order."""
    out: list[Clause] = []
    role: str | None = None
    section: str | None = None
    """The side a heading on its own line opens ("Long trades", "90-94 (Short)"): a bulleted
    "Entry:" or "Exit:" under it is that side's."""
    for line in _normalise(text).split("\n"):
        bulleted = bool(_BULLET.match(line))
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        for sentence in _SENTENCE.split(line):
            whole = sentence.strip()
            head, sentence = _heading(whole)
            if head and whole[: len(whole) - len(sentence)].strip():
                out += _named_in(whole[: len(whole) - len(sentence)], head)
            if head in ("long", "short"):
                section = head if not sentence.strip() else None
                head = "entry" if head == "long" else "short"
            elif head in ("entry", "exit") and section and bulleted:
                head = SECTIONED[(head, section)]
            elif head in ("entry", "exit"):
                section = None
            role = head or role
            if sentence.strip():
                out += _split(sentence.strip(), role)
    return out


def _named_in(heading: str, role: str) -> list[Clause]:
    """The symbols and timeframe a heading itself names ("M15 chart:", "Long (SPY):"), as an
    aside the reader takes them from."""
    lexed = lex(heading)
    named = [t for t in lexed.toks if t.kind in ("SYM", "TF")]
    return [Clause(heading.strip(), Lexed(toks=named), role, aside=True)] if named else []


SECTIONED = {
    ("entry", "long"): "entry",
    ("entry", "short"): "short",
    ("exit", "long"): "exitlong",
    ("exit", "short"): "cover",
}


def _normalise(text: str) -> str:
    text = (
        text.replace("\r", "")
        .replace("’", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("≥", ">=")
        .replace("≤", "<=")
        .replace("×", "x")
        .replace("–", "-")
        .replace("—", " - ")
        .replace("\t", " ")
    )
    for abbr, short in _ABBREV.items():
        text = re.sub(rf"(?i)(?<![A-Za-z]){re.escape(abbr)}", short, text)
    return text


@lru_cache(maxsize=1)
def _headers() -> dict[str, str]:
    out = {}
    for line in vocab.HEADERS.replace("\\\n", " ").splitlines():
        if ": " in line:
            role, _, words = line.partition(": ")
            for w in words.split("|"):
                out[w.strip()] = role.strip()
    return out


def _heading(line: str) -> tuple[str | None, str]:
    """("exit", rest) for "Exit: rest"; (None, line) when the line has no heading."""
    m = _HEADER.match(line)
    bare = line.strip().rstrip(":").strip().lower()
    outside = re.sub(r"\s*\(.*\)$", "", bare)
    inside = bare[len(outside) :].strip(" ()")
    for words in (bare, outside, inside):  # "Long trades (bullish phase)", "90-94 (Short)"
        if (
            not m
            and words
            and len(words.split()) <= 3
            and len(outside.split()) <= 3
            and words in _headers()
        ):
            return _headers()[words], ""  # a heading on its own line ("Long", "Exit rules")
    if not m:
        return None, line
    words = (m.group(1) or m.group(2) or "").strip().lower()
    words = re.sub(r"\s*\(.*\)$", "", words).removesuffix(" rules").strip() or words
    role = _headers().get(words) or _headers().get(words.split()[-1] if words else "")
    if role is None:
        return None, line
    return role, line[m.end() :]


def _split(sentence: str, role: str | None) -> list[Clause]:
    """A sentence cut at the commas/"and"s that open a new part."""
    lexed = lex(sentence)
    notes: list[str] = list(lexed.notes)
    main, asides = _asides(lexed.toks, notes)
    while len(main) > 1 and main[0].kind == "THEN" and main[1].kind in STARTERS:
        main = main[1:]  # "Then sell when ...": a sentence that opens with "then"
    parts = [p for chunk in _postfix_sides(main) for p in _cut(chunk)]
    out = []
    for k, toks in enumerate(parts):
        sub = Lexed(
            toks=toks,
            unknown=[t.text for t in toks if t.kind == "UNK"],
            examples=lexed.examples if k == 0 else [],
            notes=notes if k == 0 else [],
        )
        out.append(Clause(" ".join(t.text for t in toks if t.text), sub, role))
    if len(out) == 1 and not asides:
        out[0].text = sentence
    out = _merge_conditions(out)
    if any(t.kind == "OPTIONAL" for a in asides for t in a) or any(
        t.kind == "OPTIONAL" for t in main[:3]
    ):
        for clause in out:
            clause.optional = True
    for toks in asides:
        sub = Lexed(toks=toks, unknown=[t.text for t in toks if t.kind == "UNK"])
        out.append(Clause(" ".join(t.text for t in toks if t.text), sub, role, aside=True))
    return out


ARG_OWNERS = {"IND", "ATR", "OUT", "EXTREME"}


def _asides(toks: list[Tok], notes: list[str]) -> tuple[list[Tok], list[list[Tok]]]:
    """Bracketed asides (not an indicator's arguments) and trailing glosses, taken out; a
    lone value in brackets after a setting or an indicator ("(5% by default)", "(e.g.
    9-period)") is kept as its value, an example one stated in ``notes``."""
    main: list[Tok] = []
    asides: list[list[Tok]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if (
            tok.kind == "LPAR"
            and not (main and main[-1].kind in ARG_OWNERS and _args_only(toks, i))
            and not (main and main[-1].kind == "CROSS" and _call_args(toks, i))
        ):
            j = _closing(toks, i)
            inner = toks[i + 1 : j]
            said = [
                t
                for t in inner
                if not (
                    t.kind == "COMMA" or t.kind == "UNK" and str(t.value).lower() in ("eg", "ie")
                )
            ]
            owner = main[-1].kind if main else ""
            if (
                owner == "VAGUE"
                and len(said) == 1
                and said[0].kind in ("NUM", "PCT")
                and len(main) > 1
                and main[-2].kind in ("CMP", "CROSS", "TOUCH")
            ):
                notes.append(f"'{main[-1].text}' read as the level the text gives: {said[0].text}")
                main[-1:] = said  # "rises above the oversold level (30)"
            elif (
                owner == "VAGUE"
                and said
                and said[0].kind == "CMP"
                and len(said) == 2
                and said[1].kind in ("NUM", "PCT")
            ):
                notes.append(
                    f"'{main[-1].text}' read as the level the text gives: "
                    f"{' '.join(t.text for t in said)}"
                )
                main[-1:] = said  # "the RSI is overbought (above 70)"
            elif (
                owner in ("VAGUE", "UNK")
                and (len(main) == 1 or main[-2].kind == "COMMA")
                and len(said) == 1
                and said[0].kind in ("NUM", "PCT")
                and (j + 1 >= len(toks) or toks[j + 1].kind == "COMMA")
            ):
                main.append(said[0])  # "Oversold (30)": a named level, set (reader.levels)
            elif (
                len(said) == 1
                and said[0].kind in ("NUM", "PCT", "MONEY", "PERIOD")
                and (
                    owner in STARTERS - {"SIDE", "DIR", "AGENTS"}
                    or owner == "SPEED"
                    or owner in ARG_OWNERS
                    and len(said) < len(inner)
                )
            ):
                main.append(said[0])  # "Trailing stop percentage (5% by default)": its value
                if len(said) < len(inner):
                    notes.append(f"'{main[-2].text}' is the example the text gives: {said[0].text}")
            else:
                asides.append(inner)
            i = j + 1
            continue
        if tok.kind == "ASIDE":
            j = next(
                (k for k in range(i, len(toks)) if toks[k].kind in ("COMMA", "SIDE")), len(toks)
            )
            asides.append(toks[i:j])
            i = j
            continue
        main.append(tok)
        i += 1
    return main, [a for a in asides if a]


def _call_args(toks: list[Tok], i: int) -> bool:
    """ "crossover(sma(close, 10), sma(close, 30))": two operands, as platforms write a cross."""
    inner = toks[i + 1 : _closing(toks, i)]
    depth, commas = 0, 0
    for t in inner:
        depth += (t.kind == "LPAR") - (t.kind == "RPAR")
        commas += t.kind == "COMMA" and depth == 0
    return commas == 1 and all(
        t.kind
        in ("IND", "FIELD", "NUM", "PCT", "PERIOD", "LPAR", "RPAR", "COMMA", "OUT", "LAG", "IT")
        for t in inner
    )


def _args_only(toks: list[Tok], i: int) -> bool:
    inner = toks[i + 1 : _closing(toks, i)]
    return all(t.kind in ("NUM", "FIELD", "PERIOD", "COMMA", "PCT", "TF") for t in inner)


def _closing(toks: list[Tok], i: int) -> int:
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].kind == "LPAR") - (toks[j].kind == "RPAR")
        if depth == 0:
            return j
    return len(toks)


def _cut(toks: list[Tok]) -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    depth = 0
    for i, tok in enumerate(toks):
        depth += (tok.kind == "LPAR") - (tok.kind == "RPAR")
        if depth <= 0 and _opens_part(toks, i):
            if len(parts[-1]) > 1 and parts[-1][-1].kind in ("AND", "OR") and _level_ahead(toks, i):
                parts[-1].pop()  # "1% profit or | 0.5% loss": the next part is the other
            parts.append([])
            if tok.kind in ("COMMA", "THEN", "AND"):
                continue
        parts[-1].append(tok)
    return [p for p in parts if p] or [[]]


NUMERIC = {"PCT", "NUM", "MONEY", "RATIO", "ATR", "RPAR", "RRWORD", "SCALE", "PIPS", "TRAIL"}


def _opens_part(toks: list[Tok], i: int) -> bool:
    """True when token ``i`` starts a new part (a separator before one is dropped)."""
    tok, prev = toks[i], toks[i - 1] if i else None
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if prev is None:
        return False
    if tok.kind == "THEN":
        return not _sequence(toks, i)
    if tok.kind in ("COMMA", "AND"):
        if (
            tok.kind == "COMMA"
            and nxt is not None
            and _when_word(nxt)
            and any(t.kind == "SIDE" for t in toks[:i])
        ):
            return True  # "when A, it buys, and when B, it sells": a second rule
        if nxt is None or nxt.kind in ("OR", "AND"):
            return False
        if nxt.kind in STARTERS or _level_ahead(toks, i + 1):
            return True
        if (
            nxt.text.lower() in vocab.CLEAR_WORDS
            and i + 2 < len(toks)
            and toks[i + 2].kind in STARTERS
        ):
            return True  # "..., no stop loss": a part of its own
        return tok.kind == "COMMA" and not _in_rule(toks, i)
    if tok.kind == "SIDE":
        return prev.kind not in ("COMMA", "AND")
    if tok.kind in STARTERS:
        if (
            prev.kind in NUMERIC
            and i >= 2
            and toks[i - 2].kind in ("STOP", "TARGET", "TRAIL")
            and nxt is not None
            and nxt.kind in ("PCT", "NUM")
        ):
            return True  # "SL 2% TP 4%": the first level is complete
        return (
            prev.kind not in NUMERIC | STARTERS | {"EQUITY", "CHANGE"}
            and prev.text.lower() not in vocab.CLEAR_WORDS
        )  # "remove the stop": one part
    if (
        _level_ahead(toks, i)
        and prev.kind in ("STOP", "TARGET", "TRAIL")
        and i >= 2
        and toks[i - 2].kind in NUMERIC
    ):
        return True  # "2% TP 1.5% SL": the first level is complete
    return _level_ahead(toks, i) and prev.kind not in STARTERS | {
        "COMMA",
        "AND",
        "LPAR",
        "CMP",
        "CROSS",
        "SCALE",
        "MOVE",
        "IT",
        "TOUCH",
        "FIELD",
    }


OPERANDS = {"IND", "FIELD", "IT", "OUT", "EXPR", "LAG", "SPEED", "PERIOD", "EXTREME"}


def _sequence(toks: list[Tok], i: int) -> bool:
    """ "RSI drops below 30 and then crosses back above 30", "if RSI > 70 then RSI < 70": one
    condition after another, read by the grammar, not a new part."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return (
        toks[i].text.lower() in ("then", "and then")
        and nxt is not None
        and nxt.kind in CONDITION_KINDS | OPERANDS
        and any(t.kind in CONDITION_KINDS for t in toks[:i])
    )


def _level_ahead(toks: list[Tok], i: int) -> bool:
    """A number that a stop, target, size or holding word follows ("2% stop")."""
    if toks[i].kind not in ("PCT", "NUM", "MONEY", "RATIO"):
        return False
    ahead = [t.kind for t in toks[i + 1 : i + 7]]
    for kind in ahead:
        if kind in LEVEL_UNITS:
            return True
        if kind not in NUMERIC | {"PER", "EQUITY", "LPAR", "NUM"}:
            return False
    return False


def _in_rule(toks: list[Tok], i: int) -> bool:
    """True when a comma stands inside a condition ("RSI < 30, close > SMA")."""
    before = [t.kind for t in toks[:i]]
    return "WHEN" in before and i + 1 < len(toks) and toks[i + 1].kind not in STARTERS


SKIP = {"SYM", "TF", "COMMA", "IT"}


def _postfix_sides(toks: list[Tok]) -> list[list[Tok]]:
    """ "if A buy, if B sell" and "when A, it generates a buy signal, and when B, ... a sell
    signal": each side closes the condition before it. Such a sentence is cut after each
    side, and each piece is turned round (side first); any other sentence is one piece."""
    kinds = [t.kind for t in toks if t.kind not in SKIP]
    while kinds and kinds[0] == "UNK":
        kinds.pop(0)  # "How to create function if ...": the words before are asked about
    if len(kinds) < 3 or kinds[0] != "WHEN" or kinds[-1] != "SIDE":
        return [toks]
    chunks: list[list[Tok]] = [[]]
    for tok in toks:
        chunks[-1].append(tok)
        if tok.kind == "SIDE":
            chunks.append([])
    tail = chunks.pop()
    chunks[-1] += tail
    out = []
    for chunk in chunks:
        body = [t for t in chunk if t.kind not in SKIP]
        while not out and body and body[0].kind == "UNK":
            body.pop(0)
        if (
            not body
            or not (body[0].kind == "WHEN" or _when_word(body[0]))
            or not any(t.kind in CONDITION_KINDS for t in body)
        ):
            return [toks]
        at = next(i for i, t in enumerate(chunk) if t.kind == "SIDE")
        cond = chunk[:at]
        while cond and cond[-1].kind in ("COMMA", "IT"):
            cond.pop()  # "..., it generates a buy signal": "it" is the verb's subject
        cond = [
            Tok("WHEN", None, t.text) if _when_word(t) else t
            for t in cond
            if t.kind != "COMMA" or cond.index(t) > 0
        ]
        out.append([chunk[at], *cond, *chunk[at + 1 :]])
    return out


def _when_word(tok: Tok) -> bool:
    """ "and when", "and if": a conjunction that opens a condition."""
    return tok.kind == "AND" and tok.text.lower().split()[-1:] in (["when"], ["if"])


CONDITION_KINDS = {"CMP", "CROSS", "TOUCH", "PATTERN", "TREND", "MOVE", "BETWEEN"}


def _merge_conditions(parts: list[Clause]) -> list[Clause]:
    """ "if RSI < 30, buy" -> one clause: a condition part before its side takes that side
    ("when A, it generates a buy signal"; "the crossover of A above B signals a buy")."""
    out: list[Clause] = []
    for part in parts:
        prev = out[-1] if out else None
        kinds = [t.kind for t in part.toks if t.kind not in ("SYM", "TF")]
        while kinds and kinds[-1] == "WHEN":
            kinds.pop()
        plain = not set(kinds) & CONDITION_KINDS  # the side part holds no condition of its own
        if (
            prev is not None
            and kinds
            and kinds[0] == "SIDE"
            and "WHEN" not in kinds
            and prev.toks
            and _condition_part(prev.toks, kinds == ["SIDE"], plain)
        ):
            cond = list(prev.toks)
            if all(t.kind in ("WHEN", "AND", "COMMA") for t in cond):
                out[-1] = part  # "If we exit after 10 days": the "if" says nothing more
                continue
            if len(cond) > 2 and cond[-1].kind == "IT" and cond[-2].kind == "COMMA":
                cond = cond[:-2]  # "..., it generates a buy signal": "it" is the verb's
            if _when_word(cond[0]):
                cond[0] = Tok("WHEN", None, cond[0].text)
            prev.lexed.toks = [t for t in part.toks if t.kind != "WHEN"] + cond
            prev.text = f"{prev.text}, {part.text}"
            continue
        out.append(part)
    return out


def _condition_part(toks: list[Tok], side_only: bool, plain: bool) -> bool:
    """A part that is a condition waiting for its side: it opens with "when"/"if", or (when
    the side part says no condition of its own) with "and if", or a side with nothing else
    follows a plain condition."""
    if any(t.kind in STARTERS for t in toks):
        return False
    if toks[0].kind == "WHEN":
        return True
    first = next((t for t in toks if t.kind != "AND"), toks[0])
    if plain and (first.kind == "WHEN" or _when_word(toks[0])):
        return True
    return side_only and any(t.kind in CONDITION_KINDS for t in toks)
