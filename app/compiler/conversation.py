"""A conversation that builds one strategy: user turns in; spec, read-back, questions, diffs out.

The conversation picks its compiler: the LLM one when an Anthropic key is set, the offline
one otherwise (or when asked to), and every reply says which one answered. Conversations
are saved as JSON under ``settings.home / "conversations"`` after each turn and can be
resumed with :meth:`Conversation.load`. Nothing from the settings (keys, URLs) is saved.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from collections.abc import Callable

from app.compiler.result import CompileResult, Usage
from app.dsl import SpecError, format_spec, parse_spec
from app.errors import ParleyError
from app.spec.models import StrategySpec
from app.spec.readback import read_back

if TYPE_CHECKING:
    from app.config import Settings
    from app.compiler.llm import AnthropicCompiler

Mode = Literal["auto", "offline", "llm"]
OfflineCompiler = Callable[[str, "StrategySpec | None"], CompileResult]
FORMAT = "parley.conversation/1"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$")
EMPTY_MESSAGE = (
    'Nothing to compile: describe a strategy, for example "buy GOOG when the '
    '50-day SMA crosses above the 200-day, stop 2%".'
)


@dataclass(frozen=True)
class Turn:
    """One user turn and what came of it; this is what a saved conversation holds."""

    text: str
    compiler: str
    """Who answered: "offline", "llm:<model>", or "none" (nothing was compiled)."""
    spec_text: str | None
    """The current spec's canonical text after this turn (unchanged when the turn failed)."""
    questions: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    not_understood: tuple[str, ...] = ()
    message: str = ""
    diff: str = ""
    """Unified diff of the spec text, when this turn revised a spec."""
    last_attempt: str | None = None
    """The LLM's last unusable attempt, when the turn failed."""
    draft: str | None = None
    """What was read so far, as strategy-language text with its open questions, when the
    turn left the strategy incomplete (the compiler's ``CompileResult.draft``)."""
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    at: str = ""
    new_strategy: bool = False
    """This turn described a new strategy after another one (a spec or an open draft), so
    it was compiled on its own and replaced that one, instead of revising it."""


@dataclass(frozen=True)
class Reply:
    """What a front end shows after a turn."""

    result: CompileResult
    """This turn's compile result, as the compiler returned it."""
    spec: StrategySpec | None
    """The current spec (the previous one when this turn produced none)."""
    text: str | None
    read_back: str
    questions: tuple[str, ...]
    diff: str
    compiler: str
    new_strategy: bool = False
    """The turn was read as a new strategy, not as a change (see :func:`starts_new`)."""


class Conversation:
    """A sequence of user turns producing a current spec.

    Args:
        settings: Where conversations are saved and whether an API key is set.
        mode: "auto" (LLM when a key is set or ``llm`` is given, else offline), "offline"
            or "llm".
        llm: A ready LLM compiler (default: built from the settings when needed).
        offline: The offline compiler function (default: ``compile_offline``).
        autosave: Save after every turn.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        mode: Mode = "auto",
        llm: AnthropicCompiler | None = None,
        offline: OfflineCompiler | None = None,
        autosave: bool = True,
        conversation_id: str | None = None,
    ) -> None:
        self._settings = settings
        self.mode = mode
        self.autosave = autosave
        self.id = conversation_id or new_id()
        self.created = _now()
        self.turns: list[Turn] = []
        self._llm = llm
        self._llm_given = llm is not None
        self._offline = offline
        self._spec: StrategySpec | None = None

    # ----- state -------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """Read on first use: an offline compile never needs them (nor pydantic-settings'
        import, a sixth of ``compile --offline``'s start-up)."""
        if self._settings is None:
            self._settings = _load_settings()
        return self._settings

    @property
    def spec(self) -> StrategySpec | None:
        return self._spec

    @property
    def text(self) -> str | None:
        return format_spec(self._spec) if self._spec is not None else None

    @property
    def questions(self) -> tuple[str, ...]:
        return self.turns[-1].questions if self.turns else ()

    @property
    def uses_llm(self) -> bool:
        if self.mode != "auto":
            return self.mode == "llm"
        return self._llm_given or self.settings.llm_enabled

    @property
    def engine(self) -> str:
        """Which compiler the next turn goes to, in words for the UI."""
        if self.uses_llm:
            model = self._llm.model if self._llm is not None else self.settings.model
            return f"LLM compiler ({model})"
        why = "" if self.mode == "offline" else ": no ANTHROPIC_API_KEY set"
        return f"offline compiler{why}"

    @property
    def usage(self) -> Usage:
        from app.compiler.llm import add_usage

        total = Usage()
        for turn in self.turns:
            total = add_usage(total, turn.usage)
        return total

    # ----- a turn ------------------------------------------------------------------------
    def send(self, text: str, on_text: Callable[[str], None] | None = None) -> Reply:
        """Compile one user turn: a revision when there is a current spec (or an answer to
        the open draft), unless it describes a whole new strategy (:func:`starts_new`),
        which is compiled on its own, for either compiler."""
        text = text.strip()
        new = False
        if not text:
            result = CompileResult(spec=None, text=None, message=EMPTY_MESSAGE, compiler="none")
        else:
            new = self._starts_new(text)
            result = self._compile(text, on_text, new)
            new = new and (
                result.spec is not None or result.draft is not None or bool(result.questions)
            )  # a failed call keeps what there was
        return self._record(text, result, new)

    def _started(self) -> list[Turn]:
        """The turns of the strategy in hand: those since the last new description."""
        start = max((i for i, t in enumerate(self.turns) if t.new_strategy), default=0)
        return self.turns[start:]

    def _starts_new(self, text: str) -> bool:
        """True when a turn that follows a strategy (a spec, or a draft or questions about
        one) describes a new strategy rather than a change to it."""
        if self._spec is None and not any(
            t.draft is not None or t.questions for t in self._started()
        ):
            return False  # nothing to revise: every turn is a description
        try:
            from app.compiler.offline.turn import starts_new
        except ImportError as err:  # a build without the offline reader: always a revision
            if not (err.name or "").startswith("app.compiler.offline"):
                raise
            return False
        return starts_new(text)

    def _compile(
        self, text: str, on_text: Callable[[str], None] | None, new: bool = False
    ) -> CompileResult:
        current = None if new else self._spec
        turns = [] if new else self._started()
        if self.uses_llm:
            earlier = tuple(t.text for t in turns if t.text)
            return self._llm_compiler().compile(text, current, history=earlier, on_text=on_text)
        # The offline compiler sees one text: while there is no spec yet, the earlier turns
        # that were read as part of a strategy (a draft, or questions about one) are part of
        # the request; a turn read as no strategy at all is left out, so its "not
        # understood" stays with it.
        asked = tuple(
            t.text
            for t in turns
            if t.text and (t.draft is not None or (t.questions and not _nothing_read(t)))
        )
        request = text if current is not None else "\n".join([*asked, text])
        return self._offline_compiler()(request, current)

    def _record(self, text: str, result: CompileResult, new: bool = False) -> Reply:
        before = self.text
        if new:
            self._spec = None  # the new strategy replaces the one in hand, even as a draft
        if result.spec is not None:
            self._spec = _renamed(self._spec, result.spec)
        after = self.text
        diff = (
            spec_diff(before, after)
            if before is not None and result.spec is not None and not new
            else ""
        )
        questions = tuple(
            dict.fromkeys([*result.questions, *(result.spec.questions if result.spec else ())])
        )
        self.turns.append(
            Turn(
                text=text,
                compiler=result.compiler,
                spec_text=after,
                questions=questions,
                assumptions=result.assumptions,
                not_understood=result.not_understood,
                message=result.message,
                diff=diff,
                last_attempt=result.text if result.spec is None else None,
                draft=getattr(result, "draft", None) if result.spec is None else None,
                usage=result.usage,
                attempts=result.attempts,
                at=_now(),
                new_strategy=new,
            )
        )
        if self.autosave:
            self.save()
        return Reply(
            result=result,
            spec=self._spec,
            text=after,
            read_back=read_back(self._spec) if self._spec is not None else "",
            questions=questions,
            diff=diff,
            compiler=result.compiler,
            new_strategy=new,
        )

    def _llm_compiler(self) -> AnthropicCompiler:
        if self._llm is None:
            from app.compiler.llm import AnthropicCompiler

            self._llm = AnthropicCompiler(self.settings)
        return self._llm

    def _offline_compiler(self) -> OfflineCompiler:
        if self._offline is None:
            try:
                from app.compiler.offline import compile_offline
            except ImportError as err:  # not built yet (or not shipped in this build)
                if not (err.name or "").startswith("app.compiler.offline"):
                    raise
                raise ParleyError(
                    "the offline compiler is not available in this build",
                    "set ANTHROPIC_API_KEY to use the LLM compiler",
                ) from None
            self._offline = compile_offline
        return self._offline

    # ----- saving ------------------------------------------------------------------------
    @staticmethod
    def folder(settings: Settings | None = None) -> Path:
        return (settings or _load_settings()).home / "conversations"

    @property
    def path(self) -> Path:
        return self.folder(self.settings) / f"{self.id}.json"

    def save(self) -> Path:
        """Write the conversation (atomically) and return its path."""
        data = {
            "format": FORMAT,
            "id": self.id,
            "created": self.created,
            "mode": self.mode,
            "turns": [_turn_json(t) for t in self.turns],
        }
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(
        cls, conversation_id: str, settings: Settings | None = None, **kwargs: Any
    ) -> Conversation:
        """Resume a saved conversation; keyword arguments as for the constructor."""
        settings = settings or _load_settings()
        if not _ID.match(conversation_id):
            raise ParleyError(f"'{conversation_id}' is not a conversation id")
        path = cls.folder(settings) / f"{conversation_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ParleyError(
                f"no saved conversation '{conversation_id}'",
                f"saved conversations are in {path.parent}",
            ) from None
        except (OSError, ValueError) as err:
            raise ParleyError(f"{path}: cannot read this conversation ({err})") from None
        kwargs.setdefault("mode", data.get("mode", "auto"))
        convo = cls(settings, conversation_id=conversation_id, **kwargs)
        convo.created = data.get("created", convo.created)
        try:
            convo.turns = [_turn_from_json(t) for t in data.get("turns", [])]
        except (TypeError, AttributeError) as err:
            raise ParleyError(f"{path}: not a Parley conversation ({err})") from None
        current = convo.turns[-1].spec_text if convo.turns else None  # the spec after it
        if current is not None:
            try:
                convo._spec = parse_spec(current, f"{path}")
            except SpecError as err:
                raise ParleyError(f"{path}: its spec no longer parses:\n{err.render()}") from None
        return convo

    @classmethod
    def saved(cls, settings: Settings | None = None) -> list[str]:
        """Ids of the saved conversations, oldest first."""
        folder = cls.folder(settings)
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def _renamed(before: StrategySpec | None, after: StrategySpec) -> StrategySpec:
    """``after``, its name following a change of symbols when the revision kept a name
    that ends with the old symbols ("SMA 10/30 crossover on GOOG" + NVDA -> "... on GOOG,
    NVDA"), so the name and the file it is saved to say what the spec trades."""
    if before is None or after.name != before.name:
        return after
    name = follow_universe(after.name, list(before.universe), list(after.universe))
    return after if name == after.name else after.model_copy(update={"name": name})


def _nothing_read(turn: Turn) -> bool:
    """True when the compiler understood none of the turn's text."""

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.lower()))

    return bool(turn.not_understood) and words(" ".join(turn.not_understood)) == words(turn.text)


def follow_universe(name: str, old: list[str], new: list[str]) -> str:
    """``name`` with its " on SYMBOLS" ending rewritten for ``new``, when it ends with the
    one the compilers' names give ``old`` ("on GOOG, NVDA, ORCL +1"); a name the user chose
    stays as it is."""
    where = _where(old)
    if not where or old == new or not name.endswith(where):
        return name
    return (name[: -len(where)] + _where(new))[:80]


def _where(universe: list[str]) -> str:
    symbols = universe[:3]
    more = f" +{len(universe) - 3}" if len(universe) > 3 else ""
    return f" on {', '.join(symbols)}{more}" if symbols else ""


def spec_diff(before: str | None, after: str | None) -> str:
    """Unified diff between two canonical spec texts ("" when they are the same)."""
    if before == after:
        return ""
    return "".join(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile="before",
            tofile="after",
        )
    )


def new_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _turn_json(turn: Turn) -> dict[str, Any]:
    return asdict(turn)


def _turn_from_json(data: dict[str, Any]) -> Turn:
    known = {k: v for k, v in data.items() if k in Turn.__dataclass_fields__}
    for key in ("questions", "assumptions", "not_understood"):
        known[key] = tuple(known.get(key) or ())
    usage = known.pop("usage", None) or {}
    turn = Turn(**known)
    return replace(
        turn, usage=Usage(**{k: v for k, v in usage.items() if k in Usage.__dataclass_fields__})
    )


def _load_settings() -> Settings:
    from app.config import load_settings

    return load_settings()
