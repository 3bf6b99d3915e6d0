"""The chat screen's conversation: :class:`app.compiler.conversation.Conversation`, adapted
to the :class:`~app.tui.services.ChatService` protocol.

The adapter resumes the most recent saved conversation, turns the conversation's turns into
what the chat log shows, and carries a spec from the editor into a new conversation as its
current (previous) spec. The conversation picks the compiler (LLM when a key is set, else
``compile_offline``); tests may inject an offline compiler of their own.

Pure Python: no Textual here.
"""

from __future__ import annotations

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
    return ConversationChat(settings)


class ConversationChat:
    """A :class:`Conversation` as the chat screen sees it."""

    def __init__(
        self, settings: Settings, offline: OfflineCompiler | None = None, resume: bool = True
    ) -> None:
        self.settings = settings
        self.offline = offline
        resumed = self._resumed() if resume else None
        self.conversation: Conversation = resumed if resumed is not None else self._new()

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
            spec=spec,
            spec_text=convo.text,
            readback=read_back(spec) if spec is not None else "",
            questions=last.questions if last else (),
            assumptions=last.assumptions if last else (),
            diff=last.diff if last else "",
            compiler=last.compiler if last else "",
            reply=reply_for(last, before) if last else "",
            draft=last.draft if last and spec is None else None,
        )

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
        convo.turns.append(
            Turn(
                text="",
                compiler="none",
                spec_text=format_spec(spec),
                questions=spec.questions,
                message=f'Loaded "{spec.name}" from {source}. Tell me in plain English what to '
                "change, and I will revise it.",
            )
        )
        convo.save()
        self.conversation = Conversation.load(convo.id, self.settings, offline=self.offline)
        return self.state()


def reply_for(turn: Turn, before: str | None) -> str:
    """Parley's side of the conversation for one turn (``before``: the spec it revised)."""
    if turn.new_strategy:
        before = None  # not a revision of the one before: nothing to diff against
    if turn.message:
        parts = [turn.message]
    elif turn.spec_text is None:
        parts = ["I could not build a strategy from that."]
    elif turn.diff:
        added, removed = _changed_lines(turn.diff)
        parts = [
            f"Revised the spec: {added} line{'s' if added != 1 else ''} added, "
            f"{removed} removed. The diff is on the right."
        ]
    elif before is None:
        parts = ["Compiled. The spec and its read-back are on the right."]
    else:
        parts = ["No change to the spec."]
    if turn.new_strategy:
        parts.insert(
            0,
            "Read as a new strategy: it replaces the one before rather than "
            "changing it (to change that one, say what to change, e.g. '... "
            "instead'; /new starts over).",
        )
    if turn.assumptions:
        count = len(turn.assumptions)
        parts.append(f"{count} assumption{'s' if count != 1 else ''} made: see the right.")
    parts += [f"Not understood: {w}" for w in turn.not_understood]
    parts += [f"Question: {q}" for q in turn.questions if turn.compiler != "none"]
    return "\n".join(parts)


def _changed_lines(diff: str) -> tuple[int, int]:
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    return (
        sum(1 for line in lines if line.startswith("+")),
        sum(1 for line in lines if line.startswith("-")),
    )
