"""`parley compile "TEXT"`: plain English to a spec, from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from app.cli.text import output_path
from app.compiler.conversation import Conversation, Reply
from app.compiler.result import CompileResult, failure, open_questions, result_json
from app.errors import ParleyError


def register(commands: Any) -> None:
    compile_ = commands.add_parser(
        "compile",
        help="compile plain English into a strategy spec",
        description="Compile a strategy described in plain English into a spec; print the "
        "spec, its plain-English read-back and any open questions. Uses the LLM compiler "
        "when ANTHROPIC_API_KEY is set, the offline compiler otherwise. Exit 0 when the "
        "spec is complete, 1 when questions remain (the draft so far is printed).",
    )
    compile_.add_argument(
        "text", metavar="TEXT", help="the strategy, in quotes; - reads it from standard input"
    )
    compile_.add_argument(
        "--offline",
        action="store_true",
        help="use the offline compiler even when an API key is set",
    )
    compile_.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: spec (null until complete), draft, "
        "questions, assumptions, not_understood, compiler",
    )
    compile_.add_argument(
        "-o", "--output", metavar="FILE", help="write the spec's canonical text to FILE"
    )
    compile_.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    compile_.set_defaults(handler=cmd_compile)


def cmd_compile(args: argparse.Namespace) -> int:
    """Compile; exit 0 with a complete spec, 1 with the draft and its open questions."""
    target = Path(args.output) if args.output else None
    if target is not None:
        _check_target(target, args.force)
    text = read_stdin() if args.text == "-" else args.text
    convo = Conversation(mode="offline" if args.offline else "auto", autosave=False)
    reply = convo.send(text)
    result = reply.result
    info = sys.stderr if args.json else sys.stdout
    error = failure(result)
    if args.json:
        print(json.dumps(result_json(result), indent=2))
        if error is not None:  # the object's fields stay the contract's; the reason goes here
            print(error, file=sys.stderr)
    elif error is not None:  # a failure, not a result: all of it on stderr
        _print_draft(reply, sys.stderr)
    elif reply.spec is None:
        _print_draft(reply, sys.stdout)
    else:
        _print_reply(reply)
    if error is None:  # nothing was compiled when the compiler failed
        print(compiled_by(result), file=info)
    if reply.spec is None or open_questions(result):
        if not args.json and error is None:
            print(
                "\nNot complete: answer the questions in your text and run again.", file=sys.stderr
            )
        if target is not None:
            print(f"did not write {target}: the spec is not complete", file=sys.stderr)
        return 1
    if target is not None:
        assert reply.text is not None
        _write(target, reply.text, args.force)
        print(f"wrote {target}", file=info)
    return 0


def read_stdin() -> str:
    """The description piped in (`parley compile - < rules.txt`), as UTF-8."""
    if sys.stdin is None:
        raise ParleyError(
            "there is no standard input to read the description from",
            'pass the text instead: parley compile "buy GOOG when ..."',
        )
    if sys.stdin.isatty():
        print(
            "Type the strategy, then Ctrl-D (Ctrl-Z, Enter on Windows) to compile it:",
            file=sys.stderr,
        )
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParleyError(
            f"standard input is not UTF-8 text (byte {err.start})",
            "save the description as UTF-8 and pipe it again",
        ) from None


def _print_reply(reply: Reply) -> None:
    assert reply.text is not None
    print(reply.text.rstrip("\n"))
    print("\nRead-back:")
    print(_indent(reply.read_back))
    _print_notes(reply, sys.stdout)


def _print_draft(reply: Reply, out: TextIO) -> None:
    """What was read so far, and what is still open."""
    result = reply.result
    if result.draft:
        print("Draft so far (not complete):", file=out)
        print(_indent(result.draft.rstrip("\n")), file=out)
    elif result.message:
        print(result.message, file=out)
    _print_notes(reply, out)
    if result.text and not result.draft:
        print("\nLast attempt (not a valid spec):", file=out)
        print(_indent(result.text.rstrip("\n")), file=out)


def _print_notes(reply: Reply, out: TextIO) -> None:
    result = reply.result
    for title, items in (
        ("Open questions", reply.questions),
        ("Assumptions", result.assumptions),
        ("Not understood", result.not_understood),
    ):
        if items:
            print(f"\n{title}:", file=out)
            for item in items:
                print(f"  - {item}", file=out)


def compiled_by(result: CompileResult) -> str:
    """One line saying which compiler answered, and what it cost."""
    if result.compiler.startswith("llm:"):
        from app.compiler.llm import price_known

        model = result.compiler.removeprefix("llm:")
        u = result.usage
        cost = f"${u.cost_usd:.4f}" if price_known(model) else "cost unknown (no price on file)"
        return (
            f"\ncompiled by the LLM compiler ({model}): {result.attempts} attempt(s), "
            f"{u.input_tokens} input + {u.cache_read_tokens} cached + "
            f"{u.cache_write_tokens} cache-write input tokens, {u.output_tokens} output "
            f"tokens, {cost}"
        )
    if result.compiler == "offline":
        return "\ncompiled by the offline compiler"
    return ""


def _check_target(target: Path, force: bool) -> None:
    output_path(str(target), "-o", "my.strategy")  # a folder, a missing folder, no write permission
    if target.exists() and not force:
        raise ParleyError(
            f"{target} already exists; not overwriting it",
            "pass --force to replace it, or choose another file",
        )


def _write(target: Path, text: str, force: bool) -> None:
    try:
        with target.open("w" if force else "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise ParleyError(
            f"{target} already exists; not overwriting it", "pass --force to replace it"
        ) from None
    except OSError as err:
        raise ParleyError(f"{target}: cannot write it ({err.strerror})") from None


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())
