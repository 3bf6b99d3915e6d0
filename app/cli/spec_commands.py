"""`parley check`, `fmt`, `explain` and `signals`: the strategy language from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.text import date_text
from app.dsl import analyse, format_spec, load_spec, read_spec_text
from app.dsl.diagnostics import Diagnostic
from app.spec.advice import warnings_of
from app.dsl.formatting import format_text
from app.errors import ParleyError


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="validate spec files",
        description="Validate spec files; errors as path:line:col.",
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument(
        "--json",
        action="store_true",
        help="print the spec's JSON form; with several files, a list of "
        '{"path", "spec", "warnings"} or {"path", "errors"}',
    )
    check.set_defaults(handler=cmd_check)

    fmt = commands.add_parser(
        "fmt",
        help="format spec files in place",
        description="Rewrite valid specs in canonical form.",
    )
    fmt.add_argument("files", nargs="+", metavar="FILE")
    fmt.add_argument("--check", action="store_true", help="only report files that would change")
    fmt.set_defaults(handler=cmd_fmt)

    explain = commands.add_parser("explain", help="read a spec back in plain English")
    explain.add_argument("files", metavar="FILE", nargs="+")
    explain.set_defaults(handler=cmd_explain)

    signals = commands.add_parser(
        "signals",
        help="CSV of the bars where the rules fire",
        description="Print date,symbol,entry,exit for every bar where "
        "an entry or exit rule fires (rules only).",
    )
    signals.add_argument("file", metavar="FILE")
    signals.add_argument("--data", metavar="PATH", help="CSV file or folder (default: bundled)")
    signals.set_defaults(handler=cmd_signals)


def _diagnostics_json(diags: list[Diagnostic]) -> list[dict[str, Any]]:
    return [
        {"line": d.line, "column": d.column, "message": d.message, "expected": list(d.expected)}
        for d in diags
    ]


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    dumps: list[Any] = []
    for path in args.files:
        try:
            text = read_spec_text(path)
        except ParleyError as err:
            print(f"{err.message}", file=sys.stderr)
            failed = True
            dumps.append({"path": path, "errors": [{"message": err.message}]})
            continue
        spec, diags = analyse(text)
        if diags:
            failed = True
            for d in diags:
                print(d.render(text, path), file=sys.stderr)
            dumps.append({"path": path, "errors": _diagnostics_json(diags)})
        else:
            assert spec is not None
            dumps.append(
                {"path": path, "spec": spec.model_dump(mode="json"), "warnings": warnings_of(spec)}
            )
            if not args.json:
                questions = f" ({len(spec.questions)} open question(s))" if spec.questions else ""
                print(f"{path}: ok{questions}")
                for warning in warnings_of(spec):
                    print(f"{path}: warning: {warning}", file=sys.stderr)
    if args.json:
        # one file: its spec (or its errors) alone; several: each with its path
        one = dumps[0].get("spec", dumps[0]) if len(dumps) == 1 else dumps
        print(json.dumps(one, indent=2))
    return 1 if failed else 0


def cmd_fmt(args: argparse.Namespace) -> int:
    failed = changed = False
    for path in args.files:
        try:
            text = read_spec_text(path)
            new = format_text(text, path)
        except ParleyError as err:
            print(str(err), file=sys.stderr)
            failed = True
            continue
        if new == text:
            continue
        changed = True
        if args.check:
            print(f"would reformat {path}")
        else:
            Path(path).write_text(new, encoding="utf-8")
            print(f"reformatted {path}")
    if args.check and not changed and not failed:
        print(f"{len(args.files)} file(s) already formatted")
    return 1 if failed or (args.check and changed) else 0


def cmd_explain(args: argparse.Namespace) -> int:
    from app.spec.readback import read_back

    specs = [(path, load_spec(path)) for path in args.files]  # every file read, or none shown
    for i, (path, spec) in enumerate(specs):
        if len(specs) > 1:
            print(("\n" if i else "") + f"== {path}")
        print(read_back(spec))
    return 0


def cmd_signals(args: argparse.Namespace) -> int:
    from app.engine.signals import signals_table
    from app.market.data_source import load_for_spec

    spec = load_spec(args.file)
    frames = load_for_spec(spec, args.data)
    table = signals_table(spec, frames)
    table["date"] = table["date"].map(date_text)
    table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


__all__ = ["register", "format_spec"]
