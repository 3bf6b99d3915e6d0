"""The chat screen's conversation: :class:`app.compiler.conversation.Conversation`, adapted
to the :class:`~app.tui.services.ChatService` protocol.

The adapter resumes the most recent saved conversation, turns the conversation's turns into
what the chat log shows, and carries a spec from the editor into a new conversation as its
current (previous) spec. Until ``app.compiler.offline`` lands, offline turns go to
:func:`standin_compile`.

Pure Python: no Textual here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.compiler.conversation import Conversation, Turn
from app.compiler.result import CompileResult
from app.config import Settings
from app.dsl import analyse, format_spec
from app.errors import ParleyError
from app.spec.models import StrategySpec
from app.spec.readback import read_back
from app.tui.services import ChatState, ChatTurn

OfflineCompiler = Callable[[str, "StrategySpec | None"], CompileResult]


def open_conversation(settings: Settings) -> ConversationChat:
    """The most recent saved conversation, resumed; a new one when there is none."""
    return ConversationChat(settings, offline_compiler())


def offline_compiler() -> OfflineCompiler | None:
    """None (the conversation finds ``compile_offline``) once it exists; the stand-in before."""
    try:
        from app.compiler.offline import compile_offline  # noqa: F401
    except ImportError as err:
        if not (err.name or "app.compiler.offline").startswith("app.compiler.offline"):
            raise
        return standin_compile
    return None


class ConversationChat:
    """A :class:`Conversation` as the chat screen sees it."""

    def __init__(self, settings: Settings, offline: OfflineCompiler | None = None,
                 resume: bool = True) -> None:
        self.settings = settings
        self.offline = offline
        self.conversation = self._resumed() if resume else None
        if self.conversation is None:
            self.conversation = self._new()

    def _new(self) -> Conversation:
        return Conversation(self.settings, offline=self.offline)

    def _resumed(self) -> Conversation | None:
        saved = Conversation.saved(self.settings)
        if not saved:
            return None
        try:
            return Conversation.load(saved[-1], self.settings, offline=self.offline)
        except ParleyError:
            return None

    def turns(self) -> list[ChatTurn]:
        shown: list[ChatTurn] = []
        before: str | None = None
        for turn in self.conversation.turns:
            if turn.text:
                shown.append(ChatTurn("user", turn.text))
            shown.append(ChatTurn("parley", reply_for(turn, before)))
            before = turn.spec_text
        return shown

    def state(self) -> ChatState:
        convo = self.conversation
        spec = convo.spec
        last = convo.turns[-1] if convo.turns else None
        before = convo.turns[-2].spec_text if len(convo.turns) > 1 else None
        return ChatState(
            spec=spec, spec_text=convo.text,
            readback=read_back(spec) if spec is not None else "",
            questions=last.questions if last else (),
            assumptions=last.assumptions if last else (),
            diff=last.diff if last else "",
            compiler=last.compiler if last else "",
            reply=reply_for(last, before) if last else "")

    def send(self, text: str, on_text: Callable[[str], None] | None = None) -> ChatState:
        self.conversation.send(text, on_text=on_text)
        return self.state()

    def start_over(self) -> ChatState:
        self.conversation = self._new()
        return self.state()

    def start_from(self, spec_text: str, source: str = "the editor") -> ChatState:
        """A new conversation whose current spec is ``spec_text`` (when it is valid)."""
        spec, _problems = analyse(spec_text)
        if spec is None:
            return self.state()
        convo = self._new()
        convo.turns.append(Turn(
            text="", compiler="none", spec_text=format_spec(spec), questions=spec.questions,
            message=f'Loaded "{spec.name}" from {source}. Tell me in plain English what to '
                    "change, and I will revise it."))
        convo.save()
        self.conversation = Conversation.load(convo.id, self.settings, offline=self.offline)
        return self.state()


def reply_for(turn: Turn, before: str | None) -> str:
    """Parley's side of the conversation for one turn (``before``: the spec it revised)."""
    if turn.message:
        parts = [turn.message]
    elif turn.spec_text is None:
        parts = ["I could not build a strategy from that."]
    elif turn.diff:
        added, removed = _changed_lines(turn.diff)
        parts = [f"Revised the spec: {added} line{'s' if added != 1 else ''} added, "
                 f"{removed} removed. The diff is on the right."]
    elif before is None:
        parts = ["Compiled. The spec and its read-back are on the right."]
    else:
        parts = ["No change to the spec."]
    if turn.assumptions:
        count = len(turn.assumptions)
        parts.append(f"{count} assumption{'s' if count != 1 else ''} made: see the right.")
    parts += [f"Not understood: {w}" for w in turn.not_understood]
    parts += [f"Question: {q}" for q in turn.questions if turn.compiler != "none"]
    return "\n".join(parts)


def _changed_lines(diff: str) -> tuple[int, int]:
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    return (sum(1 for line in lines if line.startswith("+")),
            sum(1 for line in lines if line.startswith("-")))


# -- stand-in until app.compiler.offline lands --------------------------------------------

_SYMBOL = re.compile(r"\b[A-Z]{1,5}(?:/[A-Z]{3})?\b")
_NOT_SYMBOLS = {"I", "A", "RSI", "SMA", "EMA", "ATR", "MACD", "AND", "OR", "THE", "USD"}
_CROSS = re.compile(r"(\d+)[- ]?day.*?cross(?:es)? (above|over|below|under) the (\d+)[- ]?day")
_STOP = re.compile(r"stop(?: loss)?(?: at| of)? (\d+(?:\.\d+)?) ?(%|percent|atr)")
_RISK = re.compile(r"risk (\d+(?:\.\d+)?) ?(?:%|percent)")
_TARGET = re.compile(r"(?:take profit|target)(?: at| of)? (\d+(?:\.\d+)?) ?(?:%|percent)")


def standin_compile(text: str, previous: StrategySpec | None = None) -> CompileResult:
    """A stand-in for ``compile_offline``: strategy-language text, or one common phrasing.

    It understands a spec typed in the strategy language, "buy AAPL and MSFT when the
    50-day crosses above the 200-day, stop 2 ATR, risk 1% a trade", and "add NVDA" as a
    revision. Everything else gets a message saying what it needs.
    """
    spec, _problems = analyse(text)
    if spec is not None:
        return CompileResult(spec=spec, text=format_spec(spec), questions=spec.questions)
    source = _standin_text(text.splitlines()[-1] if text else text, previous)
    if source is None:
        return CompileResult(spec=None, text=None, message=(
            "I need at least the symbols to trade and an entry rule, e.g. \"buy AAPL when "
            "the 50-day crosses above the 200-day, stop 2 ATR\"."))
    spec, problems = analyse(source)
    if spec is None:
        return CompileResult(spec=None, text=source, message=problems[0].message)
    assumed = () if previous is not None else ("timeframe: daily bars (you named none)",)
    return CompileResult(spec=spec, text=format_spec(spec), assumptions=assumed)


def _standin_text(text: str, previous: StrategySpec | None) -> str | None:
    lower = text.lower()
    symbols = [s for s in dict.fromkeys(_SYMBOL.findall(text)) if s not in _NOT_SYMBOLS]
    if previous is not None and symbols and lower.startswith("add"):
        return format_spec(previous.model_copy(
            update={"universe": tuple(dict.fromkeys(previous.universe + tuple(symbols)))}))
    cross = _CROSS.search(lower)
    if not symbols or not cross:
        return None
    fast, way, slow = cross.group(1), cross.group(2), cross.group(3)
    up = way in ("above", "over")
    lines = [f'strategy "{fast}/{slow} day cross"', "universe " + ", ".join(symbols),
             "timeframe 1d",
             f"long when sma(close, {fast}) crosses {'above' if up else 'below'} "
             f"sma(close, {slow})",
             f"exit when sma(close, {fast}) crosses {'below' if up else 'above'} "
             f"sma(close, {slow})"]
    if stop := _STOP.search(lower):
        lines.append(f"stop loss {stop.group(1)}{' atr(14)' if stop.group(2) == 'atr' else '%'}")
    if target := _TARGET.search(lower):
        lines.append(f"take profit {target.group(1)}%")
    if risk := _RISK.search(lower):
        lines.append(f"size risk {risk.group(1)}% of equity")
    return "\n".join(lines) + "\n"
