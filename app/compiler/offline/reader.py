"""Clauses -> parts. Each clause is read alone, in any order; what links clauses (an exit
that mirrors the entry, "sell" meaning exit or short) is settled afterwards (``settle``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.compiler.offline import vocab
from app.compiler.offline.grammar import parse_clause
from app.compiler.offline.lexer import Tok
from app.compiler.offline.conds import lagged
from app.compiler.offline.operands import Ask
from app.compiler.offline.parts import Part
from app.compiler.offline.questions import UNSUPPORTED, VAGUE, quote_question
from app.compiler.offline.segment import LEADS, LEVEL_UNITS, STARTERS, Clause, clauses

ROLE_LEAD = {
    "entry": [Tok("SIDE", "buy")],
    "short": [Tok("SIDE", "short")],
    "exit": [Tok("SIDE", "exit")],
    "stop": [Tok("STOP")],
    "target": [Tok("TARGET")],
    "size": [Tok("SIZE")],
    "filter": [Tok("SIDE", "filter")],
    "exitlong": [Tok("SIDE", "exitlong")],
    "cover": [Tok("SIDE", "cover")],
    "hold": [Tok("HOLD")],
}
DIR_SIDE = {"long": "buy", "short": "short", "both": "both", "reverse": "reverse"}
SIDE_OUT = {
    "SYM",
    "NAMED",
    "TF",
    "UNK",
    "VAGUE",
    "UNSUP",
    "FILL",
    "UNIVERSE",
    "RENAME",
    "RANGE",
    "OPTIONAL",
}


@dataclass
class Read:
    """Everything read from a text, before the parts are settled into a draft."""

    parts: list[tuple[Part, Clause]] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    condition_symbols: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    named: dict[str, str] = field(default_factory=dict)
    """Instruments named in words ("Bitcoin"), with the likely symbol."""
    timeframes: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    rule_clauses: int = 0
    lead: list[Tok] | None = None
    """The side a lead-in ("Enter a long position when:") gives the clauses under it."""
    lead_once: bool = False
    """The lead-in named a side and its symbol only ("Buy GOOG!"): the next side ends it."""
    role: str | None = None
    sides: set[str] = field(default_factory=set)
    """Sides named by any rule-like clause, read or not (buy, short, sell...)."""
    asked_sides: set[str] = field(default_factory=set)
    """Sides of the rule clauses that became questions (their entry is asked already)."""
    speeds: dict[str, int] = field(default_factory=dict)
    universe_op: str | None = None
    """"add" or "remove" when a follow-up changes the symbols rather than naming new ones."""
    new_name: str | None = None
    """The name a follow-up gives ("call it Mine")."""
    day_periods: bool = False
    last_day: int = 0
    """The last day of a day-by-day sequence ("Day 1 - ..., Day 3 - ..."): the signal bar."""
    """A period was given in days ("the 20-day high"): the rules are on daily bars."""


def read(text: str) -> Read:
    """Read every clause of ``text``."""
    out = Read()
    found = clauses(text)
    _clock_periods(found, out)
    _calendar_periods(found, out)
    _definitions(found, out)
    out.speeds = speeds(found) | settings(found)
    out.last_day = max((int(t.value) for c in found for t in c.toks if t.kind == "DAYN"), default=0)
    for clause in found:
        _read_clause(clause, out)
    return out


BAR_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240}


def _clock_periods(found: list[Clause], out: Read) -> None:
    """ "a 100-hour average", "after 2 hours": counted in bars when the text names one bar
    size (stated); otherwise they stay clock time, which the grammar asks about."""
    frames = {str(t.value) for c in found for t in c.toks if t.kind == "TF"}
    minutes = BAR_MINUTES.get(next(iter(frames))) if len(frames) == 1 else None
    if minutes is None:
        return
    for clause in found:
        toks = []
        for tok in clause.toks:
            if tok.kind == "PERIOD" and tok.value[1] in ("hour", "minute"):
                span = tok.value[0] * (60 if tok.value[1] == "hour" else 1)
                if span % minutes == 0:
                    tok = Tok("PERIOD", (span // minutes, "bar"), tok.text)
                    out.notes.append(
                        f"'{tok.text}' counted as {span // minutes} bars of {next(iter(frames))}"
                    )
            toks.append(tok)
        clause.lexed.toks = toks


DEFINABLE = {"VAGUE", "MOVE", "UNK", "PATTERN", "TREND", "EXPR"}
"""Kinds of the word a definition names ("A valid uptrend is defined as ...")."""
ENDS_CONDITION = {
    "NUM",
    "PCT",
    "IND",
    "FIELD",
    "IT",
    "PERIOD",
    "RPAR",
    "OUT",
    "EXPR",
    "PATTERN",
    "TREND",
    "MOVE",
    "LAG",
    "EXTREME",
    "ROW",
    "AGO",
}


def _term(tok: Tok) -> str:
    word = tok.text.lower().strip()
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _definitions(found: list[Clause], out: Read) -> None:
    """ "A valid uptrend is defined as the price being above the 200-day SMA": the word stands
    for that condition wherever the text uses it ("buy on pullbacks in an uptrend"); the
    definition is no rule of its own. A definition that does not read whole stays a
    clause (and a question)."""
    defs: dict[str, list[Tok]] = {}
    for k, clause in enumerate(found):
        toks = clause.toks
        at = next((i for i, t in enumerate(toks) if t.kind == "DEFINE"), None)
        if at is None:
            continue
        if at == len(toks) - 1 and clause.text.rstrip().endswith(":") and k + 1 < len(found):
            nxt = found[k + 1]  # "uptrend definition:" heading the line that defines it
            if not nxt.toks or nxt.toks[0].kind in ("SIDE", "STOP", "TARGET", "TRAIL", "SIZE"):
                continue
            toks = [*toks, *nxt.toks]
            clause.defined = True
            if not _define(toks, at, clause, defs, out, nxt.text):
                clause.defined = False
                continue
            nxt.defined = True
            continue
        _define(toks, at, clause, defs, out)
    _substitute(found, defs, out)


def _define(
    toks: list[Tok], at: int, clause: Clause, defs: dict[str, list[Tok]], out: Read, said: str = ""
) -> bool:
    """Record the definition ``toks`` make around the DEFINE token at ``at``, if it is one
    word and a condition that reads whole."""
    head = [t for t in toks[:at] if t.kind in DEFINABLE]
    body = [t for t in toks[at + 1 :] if t.kind != "DEFINE"]
    if (
        len(head) != 1
        or not body
        or any(t.kind in ("SIDE", "UNK") for t in body)
        or any(t.kind not in DEFINABLE | {"IT"} for t in toks[:at])
    ):
        return False
    try:
        parts, _notes = parse_clause([Tok("WHEN", None, ""), *body], out.speeds)
    except Ask:
        return False
    if len(parts) != 1 or parts[0].kind != "bare":
        return False
    defs[_term(head[0])] = body
    clause.defined = True
    word = toks[at].text.lower()
    start = clause.text.lower().find(word)
    if not said and word and start >= 0:
        said = clause.text[start + len(word) :].strip(" :")
    out.notes.append(f"'{head[0].text}' read as the text defines it: \"{said}\"")
    return True


def _substitute(found: list[Clause], defs: dict[str, list[Tok]], out: Read) -> None:
    """Each defined word, and each named level, replaced by what the text says it is."""
    levels = _levels(found)
    named: set[str] = set()
    for clause in found:
        used: list[Tok] = []
        for tok in clause.toks:
            if tok.kind == "DEFINE":
                continue
            level = (
                levels.get(_term(tok))
                if tok.kind in ("VAGUE", "UNK")
                and used
                and used[-1].kind in ("CMP", "CROSS", "TOUCH", "BETWEEN")
                else None
            )
            if level is not None and levels[_term(tok)] is not None:
                named.add(_term(tok))
                used.append(Tok(level.kind, level.value, f"{tok.text} ({level.text})"))
                out.notes.append(f"'{tok.text}' read as the level the text gives it: {level.text}")
                if tok.kind == "UNK" and tok.text in clause.lexed.unknown:
                    clause.lexed.unknown.remove(tok.text)
                continue
            meant = defs.get(_term(tok)) if tok.kind in DEFINABLE and not clause.defined else None
            if meant is None:
                used.append(tok)
                continue
            if used and used[-1].kind in ENDS_CONDITION:
                used.append(Tok("AND", None, "and"))  # "pullbacks in an uptrend": both
            used += meant
            if tok.kind == "UNK" and tok.text in clause.lexed.unknown:
                clause.lexed.unknown.remove(tok.text)
        clause.lexed.toks = used
    for clause in found:  # a level line whose word a rule uses is read there, not asked
        if len(clause.toks) == 2 and _term(clause.toks[0]) in named:
            clause.defined = True


def _levels(found: list[Clause]) -> dict[str, Tok | None]:
    """Named levels: a line that is a word and a number ("Oversold (30)", "Threshold: 0.5",
    "X default 20"); a word given two numbers is no level (None)."""
    out: dict[str, Tok | None] = {}
    for clause in found:
        toks = clause.toks
        if (
            clause.aside
            or len(toks) != 2
            or toks[0].kind not in ("VAGUE", "UNK")
            or toks[1].kind not in ("NUM", "PCT")
        ):
            continue
        word = _term(toks[0])
        out[word] = toks[1] if word not in out else None
    return out


CALENDAR_FRAMES = {"week": "1w", "month": "1mo"}
BARS_IN = {("1w", "week"): 1, ("1w", "year"): 52, ("1mo", "month"): 1, ("1mo", "year"): 12}
"""Bars of a weekly or monthly timeframe in one unit of a length."""
FRAME_WORD = {"1w": "weekly", "1mo": "monthly"}


def _calendar_periods(found: list[Clause], out: Read) -> None:
    """Weekly and monthly bars: on them a length in weeks (months) counts those bars. A text
    that names no bar size and gives its indicators' lengths in weeks only ("the 10-week
    moving average") runs on weekly bars (stated); mixed with days, weeks count 5 days."""
    frames = {str(t.value) for c in found for t in c.toks if t.kind == "TF"}
    frame = next(iter(frames)) if len(frames) == 1 else None
    if not frames:
        units = {t.value[1] for c in found for t in c.toks if t.kind == "PERIOD"}
        days = any(t.kind != "PERIOD" and _says_days(t) for c in found for t in c.toks)
        lengths = {
            c.toks[i].value[1]
            for c in found
            for i in range(len(c.toks))
            if c.toks[i].kind == "PERIOD" and _indicator_length(c.toks, i)
        }
        calendar = lengths & set(CALENDAR_FRAMES)
        if len(calendar) == 1 and not days and not units & {"day", "week", "month"} - calendar:
            unit = calendar.pop()
            frame = CALENDAR_FRAMES[unit]
            out.timeframes.append(frame)
            out.notes.append(f"timeframe: {FRAME_WORD[frame]} (the lengths are given in {unit}s)")
    if frame not in ("1w", "1mo"):
        return
    for clause in found:
        toks = []
        for tok in clause.toks:
            if tok.kind == "PERIOD" and (frame, tok.value[1]) in BARS_IN:
                bars = tok.value[0] * BARS_IN[(frame, tok.value[1])]
                tok = Tok("PERIOD", (bars, "bar"), tok.text)
                out.notes.append(f"'{tok.text}' counted as {bars} {FRAME_WORD[frame]} bars")
            elif tok.kind == "PERIOD" and tok.value[1] in ("day", "week", "month"):
                tok = Tok("PERIOD", (tok.value[0], f"{tok.value[1]}@{frame}"), tok.text)
            toks.append(tok)
        clause.lexed.toks = toks


def _indicator_length(toks: list[Tok], i: int) -> bool:
    """A length that belongs to an indicator ("the 10-week SMA", "RSI 4 weeks"), not to a
    channel or a holding time ("the 52-week high", "hold 4 weeks")."""
    nxt = toks[i + 1].kind if i + 1 < len(toks) else ""
    prev = toks[i - 1].kind if i else ""
    return nxt in ("IND", "OUT") or prev == "IND"


def speeds(found: list[Clause]) -> dict[str, int]:
    """Lengths of the fast and slow averages: said with the word ("Fast EMA: period 10"),
    or the shorter and longer of the two lengths one sentence gives ("periods 10 and 30")."""
    out: dict[str, int] = {}
    pairs: list[list[int]] = []
    for clause in found:
        toks = clause.toks
        lengths = [
            int(t.value[0] if t.kind == "PERIOD" else t.value)
            for t in toks
            if t.kind in ("PERIOD", "NUM") and _length(t)
        ]
        for i, tok in enumerate(toks):
            if tok.kind == "SPEED":
                near = next((t for t in toks[i + 1 : i + 5] if t.kind in ("PERIOD", "NUM")), None)
                if near is not None and _length(near):
                    out.setdefault(
                        str(tok.value), int(near.value[0] if near.kind == "PERIOD" else near.value)
                    )
        if any(t.kind == "IND" for t in toks) and len(set(lengths)) == 2:
            pairs.append(sorted(set(lengths)))
    if pairs and len({tuple(p) for p in pairs}) == 1:
        out.setdefault("fast", pairs[0][0])
        out.setdefault("slow", pairs[0][1])
    return out


ONE_LENGTH = ("rsi", "atr", "adx", "roc", "sma", "ema", "wma", "ma", "avg_volume", "stddev")
"""Indicators set by one length, which a text may give once ("RSI length: 2") and then use
bare ("when RSI crosses above 30")."""
PARAMETER_LINE = {"IND", "NUM", "SPEED", "LPAR", "RPAR", "COMMA"}


def settings(found: list[Clause]) -> dict[str, int]:
    """The one length the text gives an indicator ("the 5-day RSI"), for the places that name
    it bare ("... or when RSI is over 80"), as ``ind:NAME``."""
    seen: dict[str, set[int]] = {}
    for clause in found:
        toks = clause.toks
        for i, tok in enumerate(toks):
            if tok.kind == "ATR":  # "2x ATR", "N = 20-day ATR": the ATR of the stops
                tok = Tok("IND", "atr", tok.text)
            if tok.kind != "IND" or str(tok.value) not in ONE_LENGTH:
                continue
            after = (
                toks[i + 2]
                if i + 2 < len(toks) and toks[i + 1].kind == "LPAR"
                else toks[i + 1]
                if i + 1 < len(toks)
                else None
            )
            near = [
                t
                for t in (
                    toks[i - 1] if i and toks[i - 1].kind == "PERIOD" else None,
                    after if after is not None and after.kind == "NUM" else None,
                )
                if t is not None and _length(t)
            ]
            if near:
                length = near[0].value[0] if near[0].kind == "PERIOD" else near[0].value
                seen.setdefault(str(tok.value), set()).add(int(length))
    return {f"ind:{name}": lengths.pop() for name, lengths in seen.items() if len(lengths) == 1}


def _length(tok: Tok) -> bool:
    if tok.text[:1].isalpha():
        return False  # "two moving averages" counts averages, not bars
    value = tok.value[0] if tok.kind == "PERIOD" else tok.value
    return isinstance(value, (int, float)) and value == int(value) and 2 <= value <= 500


def _read_clause(clause: Clause, out: Read) -> None:
    toks = clause.toks
    before = len(out.condition_symbols)
    _take_symbols(toks, out)
    about = tuple(out.condition_symbols[before:])
    out.timeframes += [str(t.value) for t in toks if t.kind == "TF"]
    out.examples += clause.lexed.examples
    out.notes += clause.lexed.notes
    if _revision_words(clause, out):
        return
    cleared = _cleared(toks)
    if cleared is not None:  # "remove the stop", "no take profit"
        out.parts.append((Part("clear", value=cleared), clause))
        return
    if clause.role != out.role:
        out.role, out.lead = clause.role, None
    if clause.defined:
        return  # "an uptrend is defined as ...": used where the word is
    if clause.optional:
        out.not_understood.append(clause.text)
        out.notes.append(f'left out a variant the text offers but does not choose: "{clause.text}"')
        return
    kinds = [t.kind for t in toks]
    if (
        set(kinds) <= PARAMETER_LINE
        and kinds.count("IND") == 1
        and kinds.count("NUM") == 1
        and not clause.lexed.unknown
        and not clause.aside
    ):
        return  # "RSI length: 2", "Fast EMA length: 12": a setting the rules' words take
    if clause.aside:
        if any(t.kind not in ("SYM", "TF") for t in toks):
            out.not_understood.append(clause.text)
        return
    body = _body(toks)
    out.sides |= {str(t.value) for t in body if t.kind == "SIDE"}
    out.sides |= {DIR_SIDE[str(t.value)] for t in body if t.kind == "DIR"}
    out.sides |= {
        f"only_{t.value}" for t in body if t.kind == "DIR" and t.value in ("long", "short")
    }
    if (
        body
        and {t.kind for t in body} <= LEADS
        and body[0].kind == "SIDE"
        and not clause.lexed.unknown
        and (
            any(t.kind == "WHEN" for t in toks)
            or clause.text.rstrip().endswith(":")
            or any(t.kind == "SYM" for t in toks)
        )
    ):
        out.lead = body[:1]  # "Buy GOOG! when ...": the side of the condition that follows
        out.lead_once = not any(
            t.kind == "WHEN" for t in toks
        ) and not clause.text.rstrip().endswith(":")
        return
    if out.lead_once and any(t.kind == "SIDE" for t in body):
        out.lead = None  # a side said again ends a lead-in that named only its symbol
    join = "and"
    if body and body[0].kind in ("AND", "OR"):
        join = "or" if body[0].kind == "OR" else "and"
        body = body[1:]
    lead = out.lead or ROLE_LEAD.get(clause.role or "")
    if lead and body and not any(t.kind in STARTERS | LEVEL_UNITS - {"ENTRYREF"} for t in body):
        body = lead + body
    if _fill_problem(toks, body, clause, out):
        return
    flagged = any(t.kind in ("UNSUP", "VAGUE") for t in toks) and any(
        t.kind in ("SIDE", "WHEN") for t in body
    )
    if not _rule_like(body) and not flagged:
        if clause.lexed.unknown or body:
            out.not_understood.append(clause.text)
        return
    out.rule_clauses += 1
    out.sides |= {str(t.value) for t in body if t.kind == "SIDE"}
    out.day_periods |= any(
        t.kind == "PERIOD" and t.value[1] == "day" or t.kind != "PERIOD" and _says_days(t)
        for t in body
    )
    problem = _problem(toks, body, clause)
    if problem:
        out.questions.append(problem)
        out.asked_sides |= {str(t.value) for t in body if t.kind == "SIDE"}
        return
    try:
        body, shift = _days(body, out.last_day)
        parts, notes = parse_clause(body, out.speeds)
        for part in parts:
            part.cond = _shifted(part.cond, shift)
    except Ask as ask:
        out.questions.append(ask.question or quote_question(clause.text))
        out.asked_sides |= {str(t.value) for t in body if t.kind == "SIDE"}
        return
    out.notes += notes
    for part in parts:
        part.about = about
        part.headed = body[0] is (lead or [None])[0]
        part.join = join
        if part.kind == "entry_move" and part.side is None:
            first = body[0] if body[0].kind == "SIDE" else (lead or [Tok("SIDE", "exit")])[0]
            part.side = str(first.value) if first.kind == "SIDE" else first.kind.lower()
    out.parts += [(p, clause) for p in parts]


def _days(body: list[Tok], last: int) -> tuple[list[Tok], int]:
    """ "Day 2 - RSI closes lower than Day 1" in a sequence ending on day 3: the clause's
    condition one bar before the signal bar, "Day 1" the same thing one bar before that."""
    days = [i for i, t in enumerate(body) if t.kind == "DAYN"]
    if not days:
        return body, 0
    own = next((i for i in days if i <= 1 or body[i - 1].kind not in ("CMP", "CROSS")), None)
    day = int(body[own].value) if own is not None else last
    out = []
    for i, tok in enumerate(body):
        if i == own:
            continue
        if tok.kind == "DAYN":
            if int(tok.value) >= day:
                raise Ask(None)
            tok = Tok("LAG", day - int(tok.value), tok.text)
        out.append(tok)
    return out, last - day


def _shifted(cond: Any, bars: int) -> Any:
    """A condition as it stood ``bars`` bars before the signal bar."""
    if not bars or cond is None:
        return cond
    if isinstance(cond, tuple):
        return (cond[0], *(_shifted(c, bars) for c in cond[1:]))
    return lagged(cond, bars)


def _says_days(tok: Tok) -> bool:
    """A word that counts in days ("yesterday's high", "3 down days", "the daily close")."""
    return any(w in vocab.DAY_WORDS for w in tok.text.lower().split())


def _revision_words(clause: Clause, out: Read) -> bool:
    """ "add NVDA", "drop ORCL", "call it Mine": a follow-up's changes to symbols and name.
    True when the clause says nothing else."""
    toks = clause.toks
    op = next((t for t in toks if t.kind == "UNIVERSE"), None)
    if op is not None and any(t.kind == "SYM" for t in toks):
        out.universe_op = str(op.value)
    name = next((t for t in toks if t.kind == "RENAME"), None)
    if name is not None:
        at = clause.text.lower().find(name.text.lower())
        rest = clause.text[at + len(name.text) :].strip(" :\"'") if at >= 0 else ""
        out.new_name = rest or None
        return True
    return op is not None and all(t.kind in ("SYM", "UNIVERSE", "AND", "COMMA") for t in toks)


LEVEL_KEYS = {
    "STOP": "stop_loss",
    "TARGET": "take_profit",
    "TRAIL": "trailing_stop",
    "HOLD": "max_hold",
}


def _cleared(toks: list[Tok]) -> str | None:
    """The level a clause takes away ("remove the stop": stop_loss), or None."""
    kinds = [t.kind for t in toks]
    if (
        len(toks) not in (2, 3)
        or toks[0].text.lower() not in vocab.CLEAR_WORDS
        or kinds[-1] not in LEVEL_KEYS
        or len(toks) == 3
        and kinds[1:] != ["TRAIL", "STOP"]
    ):
        return None
    return LEVEL_KEYS["TRAIL" if "TRAIL" in kinds else kinds[-1]]


def _fill_problem(toks: list[Tok], body: list[Tok], clause: Clause, out: Read) -> bool:
    """ "buy at the close" is how every order fills (next bar's open, said as an assumption);
    "sell at the close" is a session exit the language lacks (a question)."""
    fills = [t for t in toks if t.kind == "FILL"]
    if not fills:
        return False
    if all(t.value == "market" for t in fills):  # an order type, not a time of day
        out.notes.append(
            f"'{fills[0].text}': orders fill at the next bar's open once a bar "
            "closes with the rule true"
        )
        return False
    sides = [t.value for t in body if t.kind == "SIDE"]
    if sides and all(s in ("buy", "short") for s in sides) or not sides and not _rule_like(body):
        out.notes.append(
            f"'{fills[0].text}': orders fill at the next bar's open once a bar "
            "closes with the rule true"
        )
        return False
    out.questions.append(
        f"The language has no exits at a set time ('{fills[0].text}' in "
        f'"{clause.text}"): exit on a rule or after a number of bars '
        "instead (e.g. 'hold 1 day')?"
    )
    return True


def _body(toks: list[Tok]) -> list[Tok]:
    """The tokens the grammar reads: no symbols, timeframes, asides left empty, separators
    already used, or the object of a verb ("buy the ETF when ...")."""
    body = [
        t
        for i, t in enumerate(toks)
        if t.kind not in SIDE_OUT
        and not (
            t.kind in ("AND", "OR", "COMMA")
            and 0 < i < len(toks) - 1
            and toks[i - 1].kind == "SYM"
            and toks[i + 1].kind == "SYM"
        )
        and not (
            t.kind == "WHEN"
            and t.text.lower() in ("on", "on the")
            and i + 1 < len(toks)
            and toks[i + 1].kind in ("SYM", "TF")
        )
    ]  # "on SPY", "on the 1h": not a condition
    changed = True
    while changed:
        changed = False
        for i in range(len(body) - 1):
            if body[i].kind == "LPAR" and body[i + 1].kind == "RPAR":
                del body[i : i + 2]
                changed = True
                break
    out: list[Tok] = []
    depth = 0
    while len(body) > 1 and body[-1].kind in ("WHEN", "AT") and body[0].kind == "SIDE":
        body = body[:-1]  # "Exit at", "sell when": the rest is its own part
    if len(body) > 1 and body[0].kind == "WHEN" and body[1].kind == "SIDE":
        body = body[1:]  # "if we exit after 10 days": the rule itself
    for k, tok in enumerate(body):
        depth += (tok.kind == "LPAR") - (tok.kind == "RPAR")
        if tok.kind == "ITS" and not (
            k + 1 < len(body) and body[k + 1].kind in ("IND", "PERIOD", "SPEED", "NUM")
        ):
            continue  # "its price": the instrument's own, nothing to read
        if tok.kind == "COMMA" and depth <= 0:
            if (
                out
                and any(t.kind == "WHEN" for t in out)
                and out[-1].kind not in ("AND", "OR", "WHEN", "SIDE")
                and k + 1 < len(body)
                and body[k + 1].kind
                in ("IND", "FIELD", "IT", "PERIOD", "SPEED", "OUT", "EXPR", "LAG")
            ):
                out.append(Tok("AND", None, ","))  # "price above the 100 EMA, the RSI above 50"
            continue
        if tok.kind == "IT" and out and out[-1].kind in ("SIDE", "SHARES", "EQUITY"):
            continue
        if tok.kind == "WHEN" and out and out[-1].kind == "WHEN":
            continue
        if (
            tok.kind == "NOT"
            and out
            and out[-1].kind in ("IT", "FIELD")
            and (len(out) == 1 or out[-2].kind in ("WHEN", "AND", "OR", "SIDE"))
        ):
            out.insert(len(out) - 1, tok)  # "it doesn't drop ...": not (it drops ...)
            continue
        if tok.kind == "OUT" and tok.value == "signal" and out and out[-1].kind == "SIDE":
            continue  # "short entry signal when ...": the signal to enter, not MACD's line
        if (
            tok.kind == "FIELD"
            and tok.text.lower() in ("closes", "closed")
            and out
            and out[-1].kind in ("EXPR", "IND", "OUT", "RPAR")
        ):
            continue  # "the IBS closes < 0.2": "closes" is the verb of an indicator
        if (
            tok.kind == "PATTERN"
            and out
            and out[-1].kind == "IT"
            and out[-1].text.lower()
            in ("the stock", "stock", "the market", "price", "the price", "it")
        ):
            out.pop()  # "the stock closes lower 3 days in a row": the shape is the stock's
        if tok.kind == "FIELD" and out and out[-1].kind == "IT":
            if out[-1].text.lower() in ("it", "it's") and tok.text.lower().startswith("close"):
                continue  # "it closes above 70": "it" is the subject, "closes" the verb
            out.pop()
        out.append(tok)
    return out


def _problem(toks: list[Tok], body: list[Tok], clause: Clause) -> str | None:
    """A question when the clause holds what the language lacks, a vague word, or words
    the lexicon does not know (quoted), so it never becomes a partial rule."""
    for tok in toks:
        if tok.kind == "UNSUP":
            return UNSUPPORTED.get(str(tok.value), UNSUPPORTED["_"]).format(
                text=tok.text, clause=clause.text
            )
    for tok in toks:
        if tok.kind == "RANGE":
            return f"'{tok.text}' is a range: which single value should \"{clause.text}\" use?"
    for tok in toks:
        if tok.kind == "VAGUE":
            return VAGUE.get(str(tok.value), VAGUE["_"]).format(text=tok.text, clause=clause.text)
    unknown = clause.lexed.unknown
    if unknown:
        words = ", ".join(f"'{w}'" for w in unknown)
        return (
            f'I couldn\'t read {words} in "{clause.text}": say it with an indicator, '
            "a price and a level (e.g. 'RSI(14) below 30'), or leave it out."
        )
    return None


RELATIONS = {
    "CMP",
    "CROSS",
    "TOUCH",
    "BETWEEN",
    "PATTERN",
    "TREND",
    "MOVE",
    "STOP",
    "TARGET",
    "TRAIL",
    "HOLD",
    "SIZE",
    "RISK",
    "SHARES",
    "EQUITY",
    "RRWORD",
    "DIR",
    "AFTER",
    "MONEY",
    "LOTS",
    "AGENTS",
    "ENTRYREF",
    "IN",
    "RANGE",
    "AT",
}


def _rule_like(body: list[Tok]) -> bool:
    """A clause that states a rule or a setting (a relation, a level, a size, or a side
    with a condition), not prose."""
    kinds = {t.kind for t in body}
    return bool(kinds & RELATIONS) or {"SIDE", "WHEN"} <= kinds and len(kinds) > 2


def _take_symbols(toks: list[Tok], out: Read) -> None:
    when = next((i for i, t in enumerate(toks) if t.kind == "WHEN"), None)
    for i, tok in enumerate(toks):
        if tok.kind not in ("SYM", "NAMED"):
            continue
        inside = (
            when is not None
            and i > when
            and any(
                t.kind in ("IND", "CMP", "CROSS", "FIELD", "MOVE", "TREND", "TOUCH")
                for t in toks[i + 1 : i + 4]
            )
        )
        if tok.kind == "NAMED" and not inside:
            out.named[tok.text] = str(tok.value)
            continue
        target = out.condition_symbols if inside else out.symbols
        if tok.value not in target:
            target.append(str(tok.value))
