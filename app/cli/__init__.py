"""`parley`: the TUI with no arguments, a headless command otherwise.

Every command is a thin face on the core: it parses arguments, calls one core function and
prints. A :class:`ParleyError` becomes ``error: message`` and exit status 1; argparse usage
errors exit 2. No command prints a traceback: an error nothing turned into a message is
printed as one line, its traceback goes to the log.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from app import __version__
from app.errors import ParleyError

Handler = Callable[[argparse.Namespace], int]

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
"""Parley uses no pydantic plugins; looking for them reads every installed package's
metadata at the first model class, on every start of every command."""


COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("check", "fmt", "explain", "signals"), "spec_commands"),
    "compile": "compile_commands",
    "backtest": "backtest_commands",
    "regime": "regime_commands",
    **dict.fromkeys(
        ("run", "resume", "status", "stop", "pause", "flatten", "kill", "decisions"), "run_commands"
    ),
    "sweep": "sweep_commands",
    "logs": "logs_commands",
    "evaluate": "evaluate_commands",
}
"""Which module registers each command, so that a command imports only its own module
(``parley check`` starts without the compiler, the runner or the backtester)."""
MODULES = (
    "spec_commands",
    "compile_commands",
    "backtest_commands",
    "regime_commands",
    "run_commands",
    "sweep_commands",
    "logs_commands",
    "evaluate_commands",
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command``'s module when it is known."""
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Describe a trading strategy in plain English; Parley compiles, checks, "
        "backtests and runs it. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the log (PARLEY_HOME/logs/parley.log) on stderr",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMAND_MODULES.get(command or "")
    for module in _command_modules((wanted,) if wanted else MODULES):
        module.register(commands)
    return parser


def _first_command(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def _command_modules(names: Sequence[str]) -> list[ModuleType]:
    """Command groups that land issue by issue; each registers its own subcommands."""
    import importlib

    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(f"app.cli.{name}"))
        except ModuleNotFoundError as err:
            if err.name != f"app.cli.{name}":
                raise
    return modules


def main(argv: Sequence[str] | None = None) -> int:
    args_given = list(sys.argv[1:] if argv is None else argv)
    _caches()  # before any command's module loads the statement parser
    if not args_given:
        # The TUI is the common case: skip importing every command's module first.
        return _guard(_open_tui)
    gc.disable()  # importing a command makes many objects and little garbage: no sweeps
    try:
        parser = build_parser(_first_command(args_given))
        args = parser.parse_args(args_given)
    finally:
        gc.freeze()  # what the imports made lives as long as the process: never scan it
        gc.enable()
    _logging(args.verbose)
    handler: Handler | None = getattr(args, "handler", None)
    return _guard(_open_tui if handler is None else lambda: handler(args))


def _caches() -> None:
    from app import caches, environment

    caches.use(environment.caches())


def _logging(verbose: bool) -> None:
    from app import environment
    from app.logs import setup_logging

    setup_logging(environment.home(), verbose, environment.secrets())


def _guard(run: Callable[[], int]) -> int:
    """Run a command, turning user errors into a message and exit status 1."""
    try:
        return run()
    except ParleyError as err:
        located = getattr(err, "render", None)  # a spec error: path:line:col and a caret
        found = getattr(err, "diagnostics", None) if located is not None else None
        if found and located is not None:
            print(located(), file=sys.stderr)  # each problem, once
            if len(found) > 1:
                print(f"error: {len(found)} problems in the spec (above)", file=sys.stderr)
        else:
            print(f"error: {_clean(err.message)}", file=sys.stderr)
        if err.hint:
            print(_clean(err.hint), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # noqa: BLE001 - the last line of defence: never a traceback
        return _unexpected(err)


def _unexpected(err: Exception) -> int:
    """An error no code turned into a message: a short line here, the traceback in the log.

    The message is passed through the log's secret filter, so no key value is printed.
    """
    import logging

    from app.environment import home

    logging.getLogger("app.cli").error("unexpected error", exc_info=err)
    text = _clean(" ".join(str(err).split()))[:300]
    print(f"error: unexpected {type(err).__name__}: {text}", file=sys.stderr)
    print(
        f"the details are in {home() / 'logs' / 'parley.log'}; run again with -v to see them here",
        file=sys.stderr,
    )
    return 1


def _clean(text: str) -> str:
    """``text`` with every key value of the environment masked."""
    from app.environment import secrets
    from app.logs import RedactSecrets

    return RedactSecrets(secrets()).redact(text)


def _open_tui() -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):  # a pipe, a cron job, CI
        raise ParleyError(
            "parley with no command opens the TUI, which needs a terminal, and this is not one",
            "run it in a terminal, or give a command (`parley --help` lists them)",
        )
    try:
        from app.tui.main import run_tui
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("app.tui"):
            raise
        print("The TUI is not built yet. Try `parley --help` for the commands.")
        return 0
    return run_tui()
