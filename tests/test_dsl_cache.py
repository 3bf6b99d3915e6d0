"""The statement parser is a generated standalone module, cached between processes, keyed by
the grammar, never required, and parsing exactly as Lark itself does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.dsl import lark_runtime
from app.dsl.grammar import WordBoundary, grammar_text
from tests.conftest import ROOT

CHECK = (
    "import sys\n"
    "from app import caches, environment\n"
    "caches.use(environment.caches())\n"  # as a face does, before the parser loads
    "from app.dsl import analyse\n"
    "spec, d = analyse(open('strategies/golden_cross.strategy').read())\n"
    "bad, d2 = analyse('strategy \"x\"\\nuniverse GOOG\\n'\n"
    "                  'long when close crosses aboveabc open\\n')\n"
    "print(spec is not None, d2[0].message.split(':')[0], 'lark' in sys.modules)\n"
)
OK = "True unexpected 'aboveabc' False"


def _check(home: str) -> str:
    env = {**os.environ, "PARLEY_HOME": home, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _built(home: Path) -> Path:
    [built] = [p for p in (home / "cache" / "grammar").iterdir() if p.suffix == ".code"]
    return built


def test_the_cache_is_written_once_and_read_after_without_importing_lark(tmp_path: Path) -> None:
    assert _check(str(tmp_path)).rsplit(" ", 1)[0] == OK.rsplit(" ", 1)[0]  # generated here
    stamp = _built(tmp_path).stat().st_mtime_ns
    assert _check(str(tmp_path)) == OK  # loaded: Lark itself is not even imported
    assert _built(tmp_path).stat().st_mtime_ns == stamp


def test_the_cache_is_named_by_the_grammar(tmp_path: Path) -> None:
    text = grammar_text()
    assert lark_runtime.cache_path(text, tmp_path) == lark_runtime.cache_path(text, tmp_path)
    changed = text + "\n// changed\n"
    assert lark_runtime.cache_path(text, tmp_path) != lark_runtime.cache_path(changed, tmp_path)


@pytest.mark.parametrize("damage", [b"not a parser", b"", b"\xe3\x00\x00"])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, damage: bytes) -> None:
    _check(str(tmp_path))
    built = _built(tmp_path)
    built.write_bytes(damage)
    assert _check(str(tmp_path)).startswith("True unexpected 'aboveabc'")
    assert built.stat().st_size > 10_000


@pytest.mark.parametrize("home", ["file", "missing-parent"])
def test_no_usable_cache_folder_still_parses(tmp_path: Path, home: str) -> None:
    target = tmp_path / "home"
    if home == "file":
        target.write_text("a file where the folder would be")
    else:
        target = Path("/dev/null/parley")
    assert _check(str(target)).startswith("True unexpected 'aboveabc'")


def test_a_read_only_folder_with_a_cache_uses_it(tmp_path: Path) -> None:
    _check(str(tmp_path))
    folder = tmp_path / "cache" / "grammar"
    folder.chmod(0o555)
    try:
        assert _check(str(tmp_path)) == OK
        assert len(list(folder.iterdir())) == 1
    finally:
        folder.chmod(0o755)


def _shape(node: object) -> object:
    """A tree as plain data: rule names, token types and texts, positions of tokens."""
    if hasattr(node, "children"):
        return (node.data, [_shape(c) for c in node.children])  # type: ignore[attr-defined]
    if node is None:
        return None
    tok = node
    return (tok.type, str(tok), tok.line, tok.column, tok.end_pos)  # type: ignore[attr-defined]


def _statements() -> list[str]:
    from app.dsl.parser import split_statements

    texts = [
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "strategies").glob("*"))
        if p.suffix == ".strategy"
    ]
    return [chunk for text in texts for _, chunk in split_statements(text)]


def test_the_standalone_parser_reads_every_example_as_lark_does() -> None:
    from lark import Lark

    lark = Lark(
        grammar_text(),
        parser="lalr",
        start="statement",
        maybe_placeholders=True,
        postlex=WordBoundary(),
    )
    ours = lark_runtime.RUNTIME.Lark_StandAlone(postlex=WordBoundary())
    chunks = _statements()
    broken = [c.replace(" ", "", 1) for c in chunks] + [c[: len(c) // 2] for c in chunks]
    assert len(chunks) > 50
    for chunk in chunks:
        assert _shape(ours.parse(chunk)) == _shape(lark.parse(chunk)), chunk
    for chunk in broken:
        assert _outcome(ours, chunk) == _outcome(lark, chunk), chunk


def _outcome(parser: object, chunk: str) -> object:
    """The tree, or the error's kind, place, token and expected terminals."""
    try:
        return _shape(parser.parse(chunk))  # type: ignore[attr-defined]
    except Exception as err:  # noqa: BLE001 - a syntax error is an outcome to compare
        token = getattr(err, "token", None)
        return (
            type(err).__name__,
            getattr(err, "line", None),
            getattr(err, "column", None),
            sorted(getattr(err, "expected", None) or getattr(err, "allowed", None) or ()),
            None if token is None else (token.type, str(token)),
            str(err)[:20],
        )
