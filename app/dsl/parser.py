"""Text -> validated :class:`StrategySpec`, reporting every problem with line and column.

A file is cut into statements (a statement starts at column 1; indented lines continue
it), each statement is parsed on its own by the LALR grammar, and the pieces are then
assembled and checked as a whole. One bad line therefore never hides the others.
"""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Iterator

from pydantic import ValidationError

from app.dsl.diagnostics import Diagnostic, SpecError
from app.dsl.grammar import RunTogether, describe_terminal, statement_parser
from app.dsl.lark_runtime import (
    Token,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from app.dsl.transformer import LocatedError, Pos, StatementTransformer, Stmt
from app.spec.checks import check_spec
from app.spec.models import TAGS, StrategySpec
from app.spec.param_checks import Problem

STATEMENT_WORDS = (
    "strategy",
    "universe",
    "screen",
    "timeframe",
    "direction",
    "long",
    "short",
    "exit",
    "stop",
    "take",
    "trailing",
    "max",
    "size",
    "regime",
    "agents",
    "debate",
    "min",
    "circuit",
    "question",
    "param",
)
_PARAM_NAME = re.compile(r"param\s+([A-Za-z_][A-Za-z0-9_]*)")
REPEATABLE = {"questions"}


def parse_spec(text: str, path: str = "<spec>") -> StrategySpec:
    """Parse and check a spec text.

    Raises:
        SpecError: with every problem found, each at its line and column.
    """
    spec, diagnostics = analyse(text)
    if diagnostics or spec is None:
        raise SpecError(diagnostics, text, path)
    return spec


def analyse(text: str) -> tuple[StrategySpec | None, list[Diagnostic]]:
    """Parse and check without raising: the spec (if valid) and the problems found."""
    statements: list[Stmt] = []
    diagnostics: list[Diagnostic] = []
    chunks = list(split_statements(text))
    params = declared_params(chunks)
    for first_line, chunk in chunks:
        try:
            statements.append(_parse_statement(chunk, first_line, params))
        except _ChunkError as err:
            diagnostics.append(err.diagnostic)
    if diagnostics:
        return None, diagnostics
    return assemble(statements)


def split_statements(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(first line number, text)`` for each statement of a file."""
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        continues = line[:1] in (" ", "\t") or not stripped or stripped.startswith("#")
        if continues:
            if lines:
                lines.append(line)
            elif stripped and not stripped.startswith("#"):
                start, lines = number, [line]  # an indented first statement: nothing to continue
            continue
        if lines:
            yield start, "\n".join(lines)
        start, lines = number, [line]
    if lines:
        yield start, "\n".join(lines)


def declared_params(chunks: list[tuple[int, str]]) -> frozenset[str]:
    """The names the file's ``param`` lines declare, so a rule may use one declared below."""
    found = (_PARAM_NAME.match(chunk.lstrip()) for _, chunk in chunks)
    return frozenset(m.group(1).lower() for m in found if m)


class _ChunkError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _shift(pos: Pos, first_line: int) -> Pos:
    return Pos(pos.line + first_line - 1, pos.column, pos.length)


def _parse_statement(
    chunk: str, first_line: int, params: frozenset[str] = frozenset(), located: bool = False
) -> Stmt:
    try:
        tree = statement_parser(located).parse(chunk)
    except UnexpectedInput as err:
        raise _ChunkError(_syntax_diagnostic(err, chunk, first_line)) from None
    except RunTogether as err:
        raise _ChunkError(_run_together(err, first_line)) from None
    transformer = StatementTransformer(params)
    try:
        stmt = transformer.transform(tree)
    except VisitError as err:
        if not isinstance(err.orig_exc, LocatedError):
            raise
        if not located:
            return _parse_statement(chunk, first_line, params, located=True)
        pos = _shift(err.orig_exc.pos, first_line)
        raise _ChunkError(
            Diagnostic(pos.line, pos.column, err.orig_exc.message, length=pos.length)
        ) from None
    stmt.pos = Pos(first_line, 1, len(chunk.split("\n", 1)[0].rstrip()) or 1)
    stmt.source = (chunk, first_line, params)
    if located:
        stmt.indicators = [(node, _shift(p, first_line)) for node, p in stmt.indicators]
    return stmt


def _syntax_diagnostic(err: UnexpectedInput, chunk: str, first_line: int) -> Diagnostic:
    line = err.line + first_line - 1 if err.line > 0 else first_line
    column = max(err.column, 1)
    if isinstance(err, UnexpectedToken):
        if err.token.type == "$END" and getattr(err.token, "end_line", None):
            # The end token borrows the position of the last token: point just after it.
            line, column = err.token.end_line + first_line - 1, max(err.token.end_column, 1)
        return _unexpected_token(err, line, column, chunk)
    if isinstance(err, UnexpectedCharacters):
        at = err.pos_in_stream
        char = chunk[at] if at is not None and at < len(chunk) else ""
        expected = _expected(err.allowed or set())
        return Diagnostic(line, column, f"unexpected character '{char}'", expected)
    return Diagnostic(line, column, "cannot read this statement")


def _run_together(err: RunTogether, first_line: int) -> Diagnostic:
    first, second = err.first, err.second
    word = f"{first}{second}"
    # Lexed tokens always have their place; Lark types it optional for hand-made ones.
    return Diagnostic(
        (first.line or 1) + first_line - 1,
        first.column or 1,
        f"unexpected '{word}': '{first}' runs into '{second}'; words need a space between them",
        length=len(word),
    )


def _unexpected_token(err: UnexpectedToken, line: int, column: int, chunk: str = "") -> Diagnostic:
    token: Token = err.token
    expected = _expected(err.expected)
    if token.type == "$END":
        lines_before = line
        return Diagnostic(lines_before, column, "the statement ends too early", expected)
    word = str(token)
    if token.start_pos == 0 or (token.line == 1 and token.column == 1):
        return Diagnostic(line, column, _unknown_statement(word), length=len(word))
    pair = _dashed_pair(chunk, token.start_pos)
    if pair:
        return Diagnostic(
            line,
            column,
            f"unexpected '{word}': write the pair {pair} as {pair.replace('-', '/').upper()}",
            length=max(1, len(word)),
        )
    call = _open_call(chunk, token.start_pos)
    if call and "COMMA" in err.expected:
        return Diagnostic(
            line,
            column,
            f"unexpected '{word}': a comma must separate the "
            f"arguments of {call}(...), as in sma(close, 20)",
            length=max(1, len(word)),
        )
    keyword = _close_keyword(word, expected)
    if keyword:
        return Diagnostic(
            line,
            column,
            f"unexpected '{word}': did you mean '{keyword}'?",
            length=max(1, len(word)),
        )
    return Diagnostic(line, column, f"unexpected '{word}'", expected, length=max(1, len(word)))


_PAIR = re.compile(
    r"(?<![\w/])([A-Za-z]{2,6})-(usdt?|eur|jpy|gbp|chf|aud|cad|nzd|btc)(?![\w/])", re.IGNORECASE
)


def _dashed_pair(text: str, start: int | None) -> str | None:
    """A pair written with a dash ("BTC-USD", as some data sites write it) whose dash is at
    ``start``; the language writes it BTC/USD."""
    if not text or start is None:
        return None
    for m in _PAIR.finditer(text):
        if m.start(2) - 1 == start:
            return m.group()
    return None


def _close_keyword(word: str, expected: tuple[str, ...]) -> str | None:
    """The expected keyword ``word`` misspells (``cross`` for ``crosses``), if any."""
    import difflib

    words = [e.strip('"') for e in expected if e.startswith('"') and e[1:-1].isalpha()]
    if not word.isalpha() or not words:
        return None
    close = difflib.get_close_matches(word.lower(), words, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_statement(word: str) -> str:
    """'unknown statement' with the statement the word was probably meant to be."""
    import difflib  # only a misspelt statement needs it

    if word.lower() in STATEMENT_WORDS:
        return (
            f"unknown statement '{word}': statements are written in lower case ('{word.lower()}')"
        )
    close = difflib.get_close_matches(word.lower(), STATEMENT_WORDS, n=1, cutoff=0.75)
    if close:
        return f"unknown statement '{word}': did you mean '{close[0]}'?"
    return f"unknown statement '{word}'; a statement starts with one of: " + ", ".join(
        STATEMENT_WORDS
    )


def _open_call(text: str, start: int | None) -> str | None:
    """The name of the call whose brackets are open at ``start`` (``sma`` in
    ``sma(close 10``), or None outside any call."""
    if not text or start is None:
        return None
    depth = 0
    for i in range(start - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            if depth == 0:
                m = re.search(r"([A-Za-z_]\w*)$", text[:i])  # sma( not when (
                return m.group(1) if m else None
            depth -= 1
    return None


def _expected(names: set[str]) -> tuple[str, ...]:
    described = sorted({describe_terminal(n) for n in names if not n.startswith("__")})
    return tuple(described[:12])


# ----- assembling statements into a spec ---------------------------------------------------
def assemble(statements: list[Stmt]) -> tuple[StrategySpec | None, list[Diagnostic]]:
    """Merge parsed statements into one spec, then run the semantic checks."""
    diagnostics: list[Diagnostic] = []
    fields: dict[str, Any] = {}
    where: dict[str, Stmt] = {}
    for stmt in statements:
        if stmt.key in where and stmt.key not in REPEATABLE:
            first = where[stmt.key].pos.line
            what = (
                f"param {stmt.key[7:]} is declared"
                if stmt.key.startswith("params.")
                else f"{_say(stmt.key)} is set"
            )
            diagnostics.append(_at(stmt, f"{what} twice (first on line {first}); keep one"))
            continue
        where.setdefault(stmt.key, stmt)
        if stmt.key in REPEATABLE:
            fields.setdefault(stmt.key, []).append(stmt.value)
        else:
            fields[stmt.key] = stmt.value
    if diagnostics:
        return None, diagnostics
    missing = [
        (k, m)
        for k, m in (
            ("name", 'the spec has no name: add a first line like `strategy "My strategy"`'),
            ("universe", "the spec trades nothing: add a line like `universe AAPL, MSFT`"),
        )
        if k not in fields
    ]
    if missing:
        return None, [Diagnostic(1, 1, m) for _, m in missing]
    return _build(fields, where)


def _build(
    fields: dict[str, Any], where: dict[str, Stmt]
) -> tuple[StrategySpec | None, list[Diagnostic]]:
    data: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {"regime": {}, "agents": {}, "limits": {}}
    params = [fields.pop(k) for k in [k for k in fields if k.startswith("params.")]]
    if params:
        data["params"] = tuple(params)
    explicit_direction = fields.pop("direction", None)
    shared_exit = fields.pop("exit", None)
    named = fields.get("universe")
    if named and isinstance(named[-1], tuple):
        fields["universe_name"], fields["universe"] = named
    for key, value in fields.items():
        group, _, sub = key.partition(".")
        if sub:
            nested[group].update(
                value
                if isinstance(value, dict) and group == "regime" and sub == "transition"
                else {sub: value}
            )
        else:
            data[key] = tuple(value) if key == "questions" else value
    for group, values in nested.items():
        if values:
            data[group] = values
    sides = [s for s in ("long", "short") if f"{s}_entry" in data]
    data["direction"] = "both" if len(sides) == 2 else (sides[0] if sides else "long")
    problems = _merge_exit(data, shared_exit, sides, where)
    if explicit_direction and sides and explicit_direction != data["direction"]:
        problems.append(
            _at(
                where["direction"],
                f"direction {explicit_direction} contradicts "
                f"the rules, which trade {data['direction']}",
            )
        )
    if problems:
        return None, problems
    try:
        spec = StrategySpec(**data)
    except ValidationError as err:
        return None, [_from_pydantic(e, where) for e in err.errors()]
    located = [_locate_problem(problem, where) for problem in check_spec(spec)]
    return (None, located) if located else (spec, [])


def _merge_exit(
    data: dict[str, Any], shared: Any, sides: list[str], where: dict[str, Stmt]
) -> list[Diagnostic]:
    if shared is None:
        return []
    problems = []
    for side in sides or ["long"]:
        if f"{side}_exit" in data:
            problems.append(
                _at(
                    where["exit"],
                    f"'exit when' and 'exit {side} when' both set the {side} exit; keep one",
                )
            )
        data[f"{side}_exit"] = shared
    return problems


def _locate_problem(problem: Problem, where: dict[str, Stmt]) -> Diagnostic:
    if problem.node is not None:
        for stmt in where.values():
            for node, pos in _parse_statement(*stmt.source, located=True).indicators:
                if node == problem.node:
                    return Diagnostic(pos.line, pos.column, problem.message, length=pos.length)
    return _locate(problem.key, problem.message, where)


def _locate(key: str, message: str, where: dict[str, Stmt]) -> Diagnostic:
    for candidate in (key, key.split(".")[0], "exit" if key.endswith("_exit") else ""):
        matches = [s for k, s in where.items() if k == candidate or k.startswith(candidate + ".")]
        if candidate and matches:
            return _at(matches[0], message)
    return Diagnostic(1, 1, message)


def _at(stmt: Stmt, message: str) -> Diagnostic:
    return Diagnostic(stmt.pos.line, stmt.pos.column, message, length=stmt.pos.length)


_LABELS = {
    "name": "the strategy name",
    "sizing.value": "the size",
    "screen.top": "the screen's top",
    "stop_loss.period": "the ATR period of the stop loss",
    "take_profit.period": "the ATR period of the take profit",
    "trailing_stop.period": "the ATR period of the trailing stop",
    "stop_loss.atr": "the stop loss",
    "take_profit.atr": "the take profit",
    "trailing_stop.atr": "the trailing stop",
    "stop_loss.pct": "the stop loss",
    "take_profit.pct": "the take profit",
    "trailing_stop.pct": "the trailing stop",
    "limits.circuit_breaker.move_pct": "the circuit breaker's move",
    "limits.circuit_breaker.bars": "the circuit breaker's bars",
    "regime.transition_raise": "the transition's raise",
    "limits.daily_loss_pct": "max daily loss",
    "max_hold_bars": "max hold",
}
_BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def _from_pydantic(error: Any, where: dict[str, Stmt]) -> Diagnostic:
    """A validation error in the spec's own words: which value, what it must be, what it was.

    The models' inner names (union tags, class names, pydantic's own phrasing) stay out.
    """
    loc = [str(p) for p in error["loc"] if str(p) not in TAGS]
    path = ".".join(loc)
    key = ".".join(loc[:2]) if loc and loc[0] in ("regime", "agents", "limits") else loc[0]
    label = _LABELS.get(path) or _say_path(loc)
    unit = "%" if path.endswith("pct") else ""
    return _locate(key, f"{label} {_requirement(error, unit)}", where)


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _say_path(loc: list[str]) -> str:
    return " ".join(_say(part) for part in loc if part not in ("limits", "agents", "regime"))


def _requirement(error: Any, unit: str) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    got = error.get("input")
    shown = f"; got {_num(got)}{unit}" if isinstance(got, (int, float)) else ""
    if kind in _BOUNDS:
        words, name = _BOUNDS[kind]
        return f"must be {words} {_num(ctx[name])}{unit}{shown}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters long"
    if kind == "too_short":
        return "must not be empty"
    if kind == "finite_number":
        return "must be a finite number"
    return "is not valid here"


def _say(key: str) -> str:
    return key.split(".")[-1].replace("_pct", "").replace("_", " ")
