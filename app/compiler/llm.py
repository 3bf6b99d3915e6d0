"""The LLM compiler: English -> strategy language through Anthropic's Messages API.

This is the only module that imports :mod:`anthropic`. One turn goes:

1. send the fixed system prompt (cached) and the trader's request;
2. read the answer (a ```strategy block plus ``QUESTION:``/``ASSUMPTION:``/``MESSAGE:``
   lines), parse and validate the spec;
3. on any error send the exact rendered error back and ask again, at most ``max_repairs``
   times, then give up with a clear message and the last attempt's text;
4. check the valid spec against what the trader actually said (:func:`ground`): symbols,
   numbers and timeframe the trader never gave become questions, never silent changes.

Retries on 429/529/5xx are the SDK's own (``max_retries``); a timeout or any other API
failure becomes a :class:`CompileResult` with ``spec=None`` and a message saying what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import anthropic

from app.compiler import prompts
from app.compiler.result import CompileResult, Usage
from app.config import Settings
from app.dsl import SpecError, analyse, format_spec
from app.errors import ParleyError
from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec.models import StrategySpec

TextCallback = Callable[[str], None]

DEFAULT_TIMEOUT_S = 120.0
"""Seconds to wait for one API call (the SDK's own default is 10 minutes)."""
MAX_TOKENS = 8192
"""Room for the answer and any adaptive thinking before it."""

PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-sonnet-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-opus-5": (5.0, 25.0),
    "claude-fable-5-1": (10.0, 50.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4-5": (5.0, 25.0),
}
"""US dollars per million (input, output) tokens: Anthropic's list prices when this was
written (platform.claude.com model pages). A 5-minute cache write costs 1.25 x input, a
cache read 0.1 x input. Models not listed are reported with cost 0 (see
:func:`price_known`); edit this table when prices change."""


def price_known(model: str) -> bool:
    return _prices(model) is not None


def _prices(model: str) -> tuple[float, float] | None:
    base = re.sub(r"-\d{8}$", "", model)
    return PRICES_PER_MTOK.get(base)


def usage_of(model: str, api_usage: Any) -> Usage:
    """Tokens and cost of one API response (``Message.usage``)."""
    u = Usage(
        input_tokens=api_usage.input_tokens or 0,
        output_tokens=api_usage.output_tokens or 0,
        cache_read_tokens=getattr(api_usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(api_usage, "cache_creation_input_tokens", None) or 0,
    )
    prices = _prices(model)
    if prices is None:
        return u
    p_in, p_out = prices
    cost = (u.input_tokens * p_in + u.output_tokens * p_out
            + u.cache_write_tokens * p_in * 1.25 + u.cache_read_tokens * p_in * 0.1) / 1e6
    return replace(u, cost_usd=round(cost, 6))


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(a.input_tokens + b.input_tokens, a.output_tokens + b.output_tokens,
                 a.cache_read_tokens + b.cache_read_tokens,
                 a.cache_write_tokens + b.cache_write_tokens,
                 round(a.cost_usd + b.cost_usd, 6))


def default_model() -> str:
    return str(Settings.model_fields["model"].default)


class AnthropicCompiler:
    """Compiles one turn of English with Claude, repairing its answer a bounded number of times.

    Args:
        source: Settings (a client is built from the key, base URL and model) or a ready
            ``anthropic.Anthropic`` client (tests point one at a loopback fake).
        model: Model id; default ``settings.model``.
        max_repairs: Repair rounds after the first answer.
    """

    def __init__(self, source: Settings | anthropic.Anthropic, model: str | None = None,
                 max_repairs: int = 3) -> None:
        if isinstance(source, Settings):
            self.client = client_from_settings(source)
            self.model = model or source.model
        else:
            self.client = source
            self.model = model or default_model()
        self.max_repairs = max_repairs

    @property
    def label(self) -> str:
        return f"llm:{self.model}"

    def compile(self, text: str, previous: StrategySpec | None = None, *,
                history: tuple[str, ...] = (), on_text: TextCallback | None = None,
                ) -> CompileResult:
        """Compile ``text`` (a revision of ``previous`` when given).

        Args:
            text: What the trader just typed.
            previous: The current spec, which the request revises.
            history: The trader's earlier requests in this conversation (context, and
                evidence for :func:`ground`).
            on_text: Called with each chunk of the answer as it streams (progress for a UI).

        Returns:
            The result; on failure ``spec`` is None, ``message`` says why and what to do,
            and ``text`` holds the last attempt (not a valid spec) when there was one.
        """
        current = format_spec(previous) if previous is not None else None
        evidence = Evidence.of([*history, text], previous)
        messages: list[dict[str, str]] = [
            {"role": "user", "content": prompts.request_message(text, current, history)}]
        usage, reply, errors = Usage(), "", ""
        for attempt in range(1, self.max_repairs + 2):
            try:
                reply, turn_usage = self._ask(messages, on_text)
            except anthropic.APIError as err:
                return self._failed(api_failure(err, self.client), usage, attempt, None)
            usage = add_usage(usage, turn_usage)
            outcome = evaluate(read_answer(reply), evidence)
            if isinstance(outcome, CompileResult):
                return replace(outcome, compiler=self.label, usage=usage, attempts=attempt)
            errors = outcome
            messages += [{"role": "assistant", "content": reply or "(empty)"},
                         {"role": "user", "content": prompts.repair_message(errors)}]
        rounds = self.max_repairs + 1
        return self._failed(
            f"The model did not produce a valid spec in {rounds} attempts. The last attempt "
            f"still has these problems:\n{errors}\nRephrase the request (name the symbols, "
            "the entry and exit rules and their numbers), or try --offline.",
            usage, rounds, read_answer(reply).spec_text or reply)

    def _failed(self, message: str, usage: Usage, attempts: int,
                last: str | None) -> CompileResult:
        return CompileResult(spec=None, text=last, message=message, compiler=self.label,
                             usage=usage, attempts=attempts)

    def _ask(self, messages: list[dict[str, str]],
             on_text: TextCallback | None) -> tuple[str, Usage]:
        params: dict[str, Any] = dict(
            model=self.model, max_tokens=MAX_TOKENS, messages=messages,
            system=[{"type": "text", "text": prompts.system_prompt(),
                     "cache_control": {"type": "ephemeral"}}])
        if on_text is None:
            message = self.client.messages.create(**params)
        else:
            with self.client.messages.stream(**params) as stream:
                for chunk in stream.text_stream:
                    on_text(chunk)
                message = stream.get_final_message()
        text = "".join(b.text for b in message.content if getattr(b, "type", "") == "text")
        if message.stop_reason == "max_tokens":
            text += "\n(answer cut off at the token limit)"
        elif message.stop_reason == "refusal" and "```" not in text:
            text += "\nMESSAGE: The model declined this request; describe a trading strategy."
        return text, usage_of(self.model, message.usage)


def client_from_settings(settings: Settings, timeout: float = DEFAULT_TIMEOUT_S,
                         max_retries: int = 2) -> anthropic.Anthropic:
    """An SDK client from the settings; the key is read here and kept nowhere else."""
    if not settings.llm_enabled:
        raise ParleyError("no Anthropic API key is set, so the LLM compiler is off",
                          "set ANTHROPIC_API_KEY, or compile with --offline")
    assert settings.anthropic_api_key is not None
    return anthropic.Anthropic(api_key=settings.anthropic_api_key.get_secret_value(),
                               base_url=settings.anthropic_base_url, timeout=timeout,
                               max_retries=max_retries)


def api_failure(err: anthropic.APIError, client: Any) -> str:
    """A plain sentence for an API failure (after the SDK's own retries)."""
    offline = " Try again later, or compile with --offline."
    if isinstance(err, anthropic.APITimeoutError):
        return f"The Anthropic API did not answer in time ({_timeout_of(client)})." + offline
    if isinstance(err, anthropic.APIConnectionError):
        return f"Could not reach the Anthropic API at {client.base_url}." + offline
    if isinstance(err, anthropic.APIStatusError):
        status = err.status_code
        why = {401: "rejected the API key: check ANTHROPIC_API_KEY",
               403: "refused this key permission for the request",
               404: "does not know this model (set PARLEY_MODEL to a current one)",
               429: "is rate-limiting this key, even after retries",
               529: "is overloaded, even after retries"}.get(status)
        if why is None:
            why = "failed on its side, even after retries" if status >= 500 else \
                f"refused the request: {_api_message(err)}"
        return f"The Anthropic API {why} (HTTP {status})." + offline
    return f"The Anthropic API call failed: {err.__class__.__name__}." + offline


def _timeout_of(client: Any) -> str:
    timeout = getattr(client, "timeout", None)
    seconds = getattr(timeout, "read", None) or timeout
    return f"timeout {seconds:g} s" if isinstance(seconds, (int, float)) else "timeout"


def _api_message(err: anthropic.APIStatusError) -> str:
    body = err.body if isinstance(err.body, dict) else {}
    detail = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
    return str(detail.get("message") or err.message)[:300]


# ----- reading the model's answer ----------------------------------------------------------
_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z_-]*)[ \t]*\n(.*?)^[ \t]*```[ \t]*$",
                    re.M | re.S)
_TAGGED = re.compile(r"^[ \t]*(?:[-*][ \t]*)?(QUESTION|ASSUMPTION|MESSAGE)S?[ \t]*:[ \t]*(.*?)"
                     r"[ \t]*$", re.M | re.I)
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
    answer = Answer(blocks[0] if blocks else None, tagged["question"], tagged["assumption"],
                    " ".join(tagged["message"]))
    if len(blocks) > 1:
        answer.problem = f"Your answer has {len(blocks)} ```strategy blocks; write exactly one."
    elif not blocks and "```" in outside:
        answer.problem = ("Your answer opens a ``` block that is not closed: end the spec "
                          "with a line holding only ```.")
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
                spec=None, text=None, questions=tuple(answer.questions),
                assumptions=tuple(answer.assumptions),
                message=answer.message or "Parley needs more before it can write a spec: "
                "answer the questions.")
        return ("Your answer has no ```strategy block and no QUESTION: or MESSAGE: line. "
                "Answer in the format the instructions describe.")
    spec, diagnostics = analyse(answer.spec_text)
    if diagnostics or spec is None:
        return SpecError(diagnostics, answer.spec_text, "spec").render()
    return ground(spec, answer.questions, answer.assumptions, evidence)


# ----- checking the spec against what the trader said --------------------------------------
CRYPTO_NAMES = {
    "bitcoin": "BTC", "ethereum": "ETH", "ether": "ETH", "solana": "SOL", "dogecoin": "DOGE",
    "litecoin": "LTC", "ripple": "XRP", "cardano": "ADA", "avalanche": "AVAX",
    "chainlink": "LINK", "polkadot": "DOT",
}
"""Names a trader may use for a crypto pair's base (each maps to ``BASE/USD``)."""
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())} | {
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "half": 0.5}
CONVENTIONAL = ("rsi", "atr", "adx", "macd", "stoch", "bollinger")
"""Indicators whose catalog defaults (RSI 14, MACD 12/26/9...) need not be said."""
_TIMEFRAME_WORDS = {
    "1m": r"\b1\s*-?\s*min(ute)?s?\b|\b1m\b|one[- ]minute",
    "5m": r"\b5\s*-?\s*min(ute)?s?\b|\b5m\b|five[- ]minute",
    "15m": r"\b15\s*-?\s*min(ute)?s?\b|\b15m\b|fifteen[- ]minute",
    "30m": r"\b30\s*-?\s*min(ute)?s?\b|\b30m\b|thirty[- ]minute|half[- ]hour",
    "1h": r"\bhour(ly)?\b|\b1\s*-?\s*h(ou)?r?\b|60[- ]minute|one[- ]hour",
    "4h": r"\b4\s*-?\s*h(ou)?r?s?\b|four[- ]hour",
    "1d": r"\bdai?ly\b|\bdays?\b|\b1d\b|one[- ]day|end of day|\beod\b",
}


@dataclass(frozen=True)
class Evidence:
    """What the trader actually said: their turns, plus the spec they are revising."""

    text: str
    numbers: frozenset[float]

    @classmethod
    def of(cls, turns: list[str], previous: StrategySpec | None = None) -> Evidence:
        """Evidence from the trader's turns and the spec being revised.

        A number the previous spec still asks about is not evidence: it counts only once
        the trader says it.
        """
        said = "\n".join(turns)
        if previous is None:
            return cls(said, frozenset(_numbers_in(said)))
        kept = format_spec(previous.model_copy(update={"questions": ()}))
        asked = _numbers_in(" ".join(previous.questions)) - {0.0}
        numbers = _numbers_in(said) | (_numbers_in(kept) - asked)
        return cls(said + "\n" + kept, frozenset(numbers))

    def names_symbol(self, symbol: str) -> bool:
        base, _, quote = symbol.partition("/")
        forms = [symbol] if not quote else [f"{base}{sep}{quote}" for sep in ("/", "", "-", " ")]
        if quote == "USD":
            forms.append(base)
            forms += [name for name, b in CRYPTO_NAMES.items() if b == base]
        if "." in base:
            forms.append(base.replace(".", "-"))
        flags = re.I if len(base) > 2 else 0
        return any(re.search(rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])", self.text, flags)
                   for f in forms)

    def has_number(self, value: float) -> bool:
        return any(abs(value - c) < 1e-9 for n in self.numbers
                   for c in (n, n / 100, 1 + n / 100, 1 - n / 100))

    def names_timeframe(self, timeframe: str) -> bool:
        return re.search(_TIMEFRAME_WORDS[timeframe], self.text, re.I) is not None


def _numbers_in(text: str) -> set[float]:
    found: set[float] = {0.0}
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([kK]\b)?", text):
        raw = m.group(1).rstrip(",")
        parts = [raw.replace(",", "")] + raw.split(",")
        for part in parts:
            if part and part != ".":
                value = float(part)
                found.add(value)
                if m.group(2):
                    found.add(value * 1000)
    words = re.findall(r"[a-z]+", text.lower())
    for i, word in enumerate(words):
        if word in _NUMBER_WORDS:
            value = _NUMBER_WORDS[word]
            found.add(float(value))
            if i + 1 < len(words) and words[i + 1] == "hundred":
                found.add(float(value) * 100)
    return found


def ground(spec: StrategySpec, questions: list[str], assumptions: list[str],
           evidence: Evidence) -> CompileResult:
    """Keep only what the trader said; turn the rest into questions the spec carries.

    Symbols the trader never named are left out (and asked about); numbers and a
    timeframe they never gave are kept but asked about; every question ends up in the
    spec's ``questions`` so the read-back and the JSON show it.
    """
    asked = list(dict.fromkeys([*spec.questions, *questions]))
    notes = list(assumptions)
    unnamed = [s for s in spec.universe if not evidence.names_symbol(s)]
    kept = tuple(s for s in spec.universe if s not in unnamed)
    if unnamed:
        asked.append(f"You did not name {_join(unnamed)}, so Parley left "
                     f"{'it' if len(unnamed) == 1 else 'them'} out: should the strategy trade "
                     f"{_join(unnamed)}? Name each symbol as a ticker (AAPL) or a crypto pair "
                     "(BTC/USD).")
    bench = spec.regime.benchmark if spec.regime else None
    if bench and not evidence.names_symbol(bench):
        asked.append(f"You did not name {bench} as the regime benchmark: should {bench}'s "
                     "regime gate the trades?")
    asked += _number_questions(spec, evidence, asked)
    if not evidence.names_timeframe(spec.timeframe):
        _timeframe_note(spec.timeframe, asked, notes)
    if not kept:
        return _no_symbols(asked, notes)
    revised = spec.model_copy(update={"universe": kept, "questions": tuple(asked)})
    text = format_spec(revised)
    checked, diagnostics = analyse(text)
    if diagnostics or checked is None:
        return _no_symbols(asked, notes)
    return CompileResult(spec=checked, text=text, questions=checked.questions,
                         assumptions=tuple(notes))


def _no_symbols(asked: list[str], notes: list[str]) -> CompileResult:
    return CompileResult(
        spec=None, text=None, questions=tuple(asked), assumptions=tuple(notes),
        message="No spec yet: it needs the symbols to trade, named by you. Add them, for "
                "example 'AAPL and MSFT' or 'BTC/USD'.")


def _timeframe_note(timeframe: str, asked: list[str], notes: list[str]) -> None:
    if any("timeframe" in q.lower() for q in asked):
        return
    if timeframe == "1d":
        notes.append("timeframe: daily bars (you did not say; tell me if you meant another)")
    else:
        asked.append(f"You did not say the timeframe; the spec uses {timeframe} bars. Is that "
                     "what you want?")


def _number_questions(spec: StrategySpec, evidence: Evidence, asked: list[str]) -> list[str]:
    unsaid: dict[str, list[str]] = {}
    for value, where in spec_numbers(spec):
        shown = f"{value:g}"
        if evidence.has_number(value) or any(_mentions(q, shown) for q in asked):
            continue
        unsaid.setdefault(shown, [])
        if where not in unsaid[shown]:
            unsaid[shown].append(where)
    if not unsaid:
        return []
    listed = "; ".join(f"{v} ({', '.join(w)})" for v, w in unsaid.items())
    return [f"The spec uses numbers you did not give: {listed}. Which values do you want?"]


def _mentions(question: str, number: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", question) is not None


def spec_numbers(spec: StrategySpec) -> list[tuple[float, str]]:
    """Every number the spec's rules and settings use that a trader would have to give."""
    out: list[tuple[float, str]] = []
    for key in ("long_entry", "long_exit", "short_entry", "short_exit"):
        rule = getattr(spec, key)
        if rule is not None:
            out += _expr_numbers(rule, key.replace("_", " ") + " rule")
    if spec.screen is not None:
        for node in (spec.screen.filter, spec.screen.rank_by):
            if node is not None:
                out += _expr_numbers(node, "screen")
        out.append((float(spec.screen.top), "screen top N"))
    for name in ("stop_loss", "take_profit", "trailing_stop"):
        level = getattr(spec, name)
        label = name.replace("_", " ")
        if level is not None:
            out.append((getattr(level, "pct", None) or level.atr, label))
            if getattr(level, "period", 14) != 14:
                out.append((float(level.period), f"{label} ATR period"))
    out += _setting_numbers(spec)
    return out


def _setting_numbers(spec: StrategySpec) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if spec.max_hold_bars is not None:
        out.append((float(spec.max_hold_bars), "max hold"))
    if spec.max_positions is not None:
        out.append((float(spec.max_positions), "max positions"))
    if spec.sizing is not None:
        out.append((spec.sizing.value, "size"))
    if spec.regime is not None and spec.regime.transition == "raise" \
            and spec.regime.transition_raise != 10:
        out.append((float(spec.regime.transition_raise), "regime transition raise"))
    if spec.agents is not None:
        if spec.agents.debate_rounds != 1:
            out.append((float(spec.agents.debate_rounds), "debate rounds"))
        if spec.agents.min_conviction != 50:
            out.append((float(spec.agents.min_conviction), "min conviction"))
    limits = spec.limits
    for name in ("daily_loss_pct", "max_drawdown_pct", "max_exposure_pct", "max_position_pct"):
        if getattr(limits, name) is not None:
            out.append((getattr(limits, name), name.removesuffix("_pct").replace("_", " ")))
    if limits.circuit_breaker is not None:
        out.append((limits.circuit_breaker.move_pct, "circuit breaker"))
        if limits.circuit_breaker.bars != 1:
            out.append((float(limits.circuit_breaker.bars), "circuit breaker bars"))
    return out


def _expr_numbers(node: Any, where: str) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    for sub in E.walk_exprs(node):
        if isinstance(sub, E.Num):
            out.append((sub.value, where))
        elif isinstance(sub, E.Lag) and sub.bars != 1:
            out.append((float(sub.bars), where))
        elif isinstance(sub, E.Indicator):
            definition = CATALOG.get(sub.name)
            defaults = [p.default for p in definition.params] if definition else []
            for i, value in enumerate(sub.params):
                default = defaults[i] if i < len(defaults) else None
                if not (sub.name in CONVENTIONAL and value == default):
                    out.append((value, f"{where}, {sub.name}"))
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
