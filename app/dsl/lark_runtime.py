"""The statement parser's runtime: a Lark standalone module, generated once per grammar.

Importing Lark (its grammar compiler included) and loading a cached parser cost about a
sixth of every spec command's start-up. Lark's standalone tool writes one module holding
the parser's code and its LALR tables; loading that module costs a third as much. It is
generated on the user's machine from the installed Lark (nothing of Lark lives in this
repository), compiled, and kept as a marshalled code object under
``PARLEY_HOME/cache/grammar`` (where the faces put the caches, :mod:`app.caches`), named by
the grammar's text, the Python build and the installed Lark. A damaged, stale or unreadable
file is rebuilt; with no folder to write, or none set, the module is generated in memory on
each start (slower, still right).

The parser, its tokens, trees, transformer base class and errors all come from this one
module: :mod:`app.dsl` never mixes them with the classes of an imported ``lark``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import marshal
import os
import sys
from contextlib import suppress
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING

from app.caches import current
from app.dsl.grammar import grammar_text

FORMAT = 1
"""Bumped when what this module generates changes, so older cache files are not used."""
MODULE = "app.dsl._statement_lark"
_HEADER = "from typing import cast\n"
"""Lark's extracted transformer code calls ``typing.cast`` without importing it."""
_REGEX_PROBE = ("    import regex\n    _has_regex = True\n", "    raise ImportError\n")
"""The statement parser never asks for the third-party ``regex`` engine (Lark's
``regex=False``), so the generated module skips importing it (about 8 ms) when installed."""


def cache_path(text: str, home: Path | None = None) -> Path | None:
    """Where the compiled standalone module for ``text`` is kept: under ``home/cache``, or
    the caches' folder the faces set (:mod:`app.caches`); ``None`` when there is none."""
    folder = current().folder("grammar") if home is None else home / "cache" / "grammar"
    if folder is None:
        return None
    digest = hashlib.sha256(
        f"{FORMAT}\0{sys.version}\0{_lark_stamp()}\0{text}".encode()
    ).hexdigest()
    return folder / f"statement-{digest[:20]}.code"


def _lark_stamp() -> str:
    """The installed Lark, without importing it: its package file's path, size and time."""
    spec = importlib.util.find_spec("lark")
    if spec is None or not spec.origin:
        return "none"
    stat = os.stat(spec.origin)
    return f"{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


def load(text: str | None = None) -> ModuleType:
    """The standalone module for the grammar: from the cache, or generated (and cached)."""
    text = grammar_text() if text is None else text
    path = cache_path(text)
    module = None if path is None else _from_code(_read(path))
    if module is None:
        code = compile(generate(text), "<standalone statement parser>", "exec")
        if path is not None:
            _write(path, code)
        module = _from_code(code)
        if module is None:
            raise RuntimeError("the generated statement parser does not load")
    return module


def generate(text: str) -> str:
    """The Python source of the standalone parser (Lark's tool; imports Lark, slow)."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    built = Lark(
        text, parser="lalr", lexer="contextual", start="statement", maybe_placeholders=True
    )
    out = io.StringIO()
    gen_standalone(built, out=out)
    return _HEADER + out.getvalue().replace(*_REGEX_PROBE, 1)


def _from_code(code: CodeType | None) -> ModuleType | None:
    if code is None:
        return None
    module = ModuleType(MODULE)
    sys.modules[MODULE] = module  # its dataclasses look their module up while being made
    try:
        exec(code, module.__dict__)  # noqa: S102 - our own generated, compiled parser
        loaded = callable(getattr(module, "Lark_StandAlone", None))
    except Exception:  # noqa: BLE001 - a stale or foreign file: generate again
        loaded = False
    if not loaded:
        del sys.modules[MODULE]
        return None
    return module


def _read(path: Path) -> CodeType | None:
    try:
        code = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _write(path: Path, code: CodeType) -> None:
    """Write atomically; a folder that cannot be written just means no cache."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(code))
        os.replace(tmp, path)
    except OSError:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


RUNTIME = load()
if TYPE_CHECKING:
    # The generated module is Lark's own code for these names, so they carry Lark's types.
    from lark import Token as Token
    from lark import Transformer_NonRecursive as Transformer_NonRecursive
    from lark import Tree as Tree
    from lark import v_args as v_args
    from lark.exceptions import UnexpectedCharacters as UnexpectedCharacters
    from lark.exceptions import UnexpectedInput as UnexpectedInput
    from lark.exceptions import UnexpectedToken as UnexpectedToken
    from lark.exceptions import VisitError as VisitError
else:
    Token = RUNTIME.Token
    Tree = RUNTIME.Tree
    Transformer_NonRecursive = RUNTIME.Transformer_NonRecursive  # noqa: N816 - Lark's name
    v_args = RUNTIME.v_args
    UnexpectedInput = RUNTIME.UnexpectedInput
    UnexpectedToken = RUNTIME.UnexpectedToken
    UnexpectedCharacters = RUNTIME.UnexpectedCharacters
    VisitError = RUNTIME.VisitError
