"""`parley run`, `resume`, `status`, `stop`, `pause`, `flatten`, `kill`, `decisions`.

Thin faces on :mod:`app.runner.launch` and the store: parse, call, print. ``run`` prints
the run id first, so a script can capture it; ``--detach`` leaves the run in a
background process that outlives the terminal.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from app.cli.text import cash_arg
from app.errors import ParleyError
from app.runner import events as ev


def register(commands: Any) -> None:
    p = commands.add_parser(
        "run",
        help="run a spec live (paper by default)",
        description="Run a spec on a replayed or live market, through "
        "the simulated paper broker (default) or Alpaca. Prints the run "
        "id first.",
    )
    p.add_argument("file", metavar="FILE")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--paper", action="store_true", help="paper trading (the default)")
    mode.add_argument(
        "--live",
        action="store_true",
        help="trade the live Alpaca account (asks for a typed confirmation)",
    )
    p.add_argument("--feed", choices=("replay", "alpaca"), default="replay")
    p.add_argument(
        "--broker",
        choices=("sim", "alpaca"),
        help="sim (default with the replay feed) or alpaca (default with --feed "
        "alpaca and keys set)",
    )
    p.add_argument("--data", metavar="PATH", help="CSV file or folder (default: bundled)")
    p.add_argument(
        "--speed", default="max", metavar="X", help="replayed bars a second, or max (default)"
    )
    p.add_argument("--cash", type=cash_arg, default=10_000.0, help="the run's starting cash")
    p.add_argument("--agents", choices=("offline", "llm"), help="entries past the agent team")
    p.add_argument("--detach", action="store_true", help="run in a background process")
    p.add_argument("--bar-delay", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="print only the id and the end")
    p.set_defaults(handler=cmd_run)

    p = commands.add_parser(
        "resume",
        help="restart a stopped or killed run where it left off, or lift a pause",
        description="A run whose process is gone restarts where it left off; a pause it had "
        "(pause, flatten, a tripped limit) is kept and said. A run that is alive and paused "
        "has its pause lifted (entries resume; drawdown and the day's loss are measured "
        "afresh).",
    )
    p.add_argument("run", metavar="RUN")
    p.add_argument("--detach", action="store_true", help="restart in a background process")
    p.add_argument("--quiet", action="store_true", help="print only the id and the end")
    p.set_defaults(handler=cmd_resume)

    p = commands.add_parser("status", help="runs; with RUN its orders, fills, positions, trades")
    p.add_argument("run", metavar="RUN", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)

    for name, text in (
        ("stop", "stop a run after its current bar"),
        ("pause", "pause a run's new entries (exits still run)"),
        ("flatten", "close every position of a run and pause it"),
    ):
        p = commands.add_parser(
            name,
            help=text,
            description=text[0].upper()
            + text[1:]
            + (
                "; `parley resume RUN` lifts the pause."
                if name != "stop"
                else "; `parley resume RUN` restarts it where it left off."
            ),
        )
        p.add_argument("run", metavar="RUN")
        if name == "flatten":
            p.add_argument(
                "--stop", action="store_true", help="stop the run once its positions are closed"
            )
        p.set_defaults(handler=cmd_control, command_name=name)
    p = commands.add_parser("kill", help="stop every run now (cancels their waiting entries)")
    p.add_argument(
        "--flatten",
        action="store_true",
        help="close every position first, then stop (flatten and stop)",
    )
    p.set_defaults(handler=cmd_kill)

    p = commands.add_parser("decisions", help="the decision log of a run")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_decisions)


# --------------------------------------------------------------------- run, resume
def cmd_run(args: argparse.Namespace) -> int:
    from app.config import load_settings
    from app.dsl import load_spec, read_spec_text
    from app.feeds.replay import parse_speed
    from app.runner.launch import create_run, refuse_live_history

    settings = load_settings()
    spec = load_spec(args.file)
    if args.live:  # before any key is looked at: live orders never follow old bars
        refuse_live_history("alpaca-live", args.feed)
        if args.data:
            raise ParleyError(
                "--live takes no --data: a file replays history, and live "
                "orders are never driven by old bars",
                "use --live --feed alpaca alone",
            )
    parse_speed(args.speed)
    if args.agents == "llm" and not settings.llm_enabled:  # before any run is made
        raise ParleyError(
            "--agents llm needs ANTHROPIC_API_KEY (or an OpenAI-compatible "
            "endpoint: PARLEY_LLM_BASE_URL)",
            "set it, or run the team offline (--agents offline)",
        )
    if args.feed == "alpaca" and not settings.alpaca_enabled:  # before any run is made
        raise ParleyError(
            "--feed alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY",
            "set them, or leave out --feed to replay the bundled data",
        )
    frames = _check_data(spec, args) if args.feed == "replay" else None
    broker = _broker_choice(args, settings)
    if args.live:
        _confirm_live(settings, spec, args.feed)
    store = _store(settings)
    store.require_writable("start a run")
    row = create_run(
        store,
        spec,
        read_spec_text(args.file),
        path=args.file,
        broker=broker,
        feed=args.feed,
        data=args.data,
        speed=args.speed,
        cash=args.cash,
        agents=args.agents,
        bar_delay=args.bar_delay,
        frames=frames,
    )
    print(f"run {row.id}", flush=True)
    return _go(store, row.id, args.detach, args.quiet, settings)


def _check_data(spec: Any, args: argparse.Namespace) -> Any:
    """The backtest's up-front data check: every symbol has bars, enough for the rules'
    warm-up. Nothing is written when it fails."""
    from app.backtest.prepare import prepare
    from app.market.data_source import load_for_spec, source_name

    frames = load_for_spec(spec, args.data)
    prepare(spec, frames, None, None, source_name(args.data))
    return frames


def cmd_resume(args: argparse.Namespace) -> int:
    from app.config import load_settings
    from app.runner.launch import alive, check_resumable

    settings = load_settings()
    store = _store(settings)
    store.require_writable("resume a run")
    row = store.find_run(args.run)
    if row is None:
        raise ParleyError(f"no run {args.run!r}", "`parley status` lists the runs")
    if alive(row.pid):
        if row.status == "paused":
            store.post_command(row.id, "resume")
            print(f"run {row.id}: resuming entries")
            return 0
        raise ParleyError(f"run {row.id} is already running (process {row.pid})")
    check_resumable(row, settings)
    print(f"run {row.id}", flush=True)
    return _go(store, row.id, args.detach, args.quiet, settings)


def _go(store: Any, run_id: str, detach: bool, quiet: bool, settings: Any) -> int:
    from app.runner.launch import log_path, run_spec, spawn_detached

    if detach:
        pid = spawn_detached(run_id, settings)
        print(f"detached: process {pid}, log {log_path(run_id, settings)}")
        return 0
    stop = threading.Event()
    hangup = [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []  # a closed terminal
    for sig in (signal.SIGTERM, signal.SIGINT, *hangup):
        signal.signal(sig, lambda *_: stop.set())
    printer = _Printer(quiet, stop)
    status = run_spec(store, run_id, printer, stop, settings)
    if printer.closed and status == "stopped":
        store.update_run(run_id, reason=OUTPUT_CLOSED.format(run_id=run_id))
        return 1
    return 0 if status in ("finished", "stopped") else 1


OUTPUT_CLOSED = (
    "its output was closed (a pipe or a terminal went away); "
    "`parley resume {run_id}` continues it, `--detach` runs it apart from a terminal"
)


def _broker_choice(args: argparse.Namespace, settings: Any) -> str:
    choice = args.broker or (
        "alpaca" if args.live or (args.feed == "alpaca" and settings.alpaca_enabled) else "sim"
    )
    if choice == "sim":
        if args.live:
            raise ParleyError("--live trades through Alpaca; drop --broker sim")
        return "sim"
    if not settings.alpaca_enabled:
        raise ParleyError("the Alpaca broker needs APCA_API_KEY_ID and APCA_API_SECRET_KEY")
    return "alpaca-live" if args.live else "alpaca-paper"


def _account_number(broker: Any) -> str:
    """The live account's number; refused keys become a message (nothing is started)."""
    from alpaca.common.exceptions import APIError

    try:
        return str(broker.account().account_number)
    except APIError as err:
        if err.status_code not in (401, 403):
            raise
        raise ParleyError(
            f"Alpaca refused the keys for the live account ({err.status_code} "
            "not authorized): nothing was started",
            "check APCA_API_KEY_ID and APCA_API_SECRET_KEY: live keys are not the paper keys",
        ) from None


def _confirm_live(settings: Any, spec: Any, feed: str) -> None:
    """Live trading needs a person at a terminal typing the account number or LIVE, told
    which feed drives the orders."""
    if not sys.stdin.isatty():
        raise ParleyError(
            "--live needs a typed confirmation, and there is no terminal",
            "run it from a terminal; live trading is never started unattended",
        )
    from app.broker.alpaca import AlpacaBroker

    broker = AlpacaBroker.from_settings(settings, live=True)
    try:
        number = _account_number(broker)
    finally:
        broker.close()
    print(f"LIVE trading on Alpaca account {number}: real money.")
    print(
        f"Orders follow the {feed} feed: live {spec.timeframe} bars of "
        f"{', '.join(spec.universe)} as the market makes them."
    )
    answer = input("Type the account number or LIVE to go on: ").strip()
    if answer not in (number, "LIVE"):
        raise ParleyError("not confirmed: nothing was started")


class _Printer:
    """Prints a foreground run's events. When its output goes away (``| head``, a closed
    terminal) the run stops cleanly after its bar, recorded as such, instead of failing on
    the broken pipe in the middle of it."""

    def __init__(self, quiet: bool, stop: threading.Event) -> None:
        self.quiet, self.stop, self.closed = quiet, stop, False

    def __call__(self, e: ev.RunnerEvent) -> None:
        line = None if self.closed else _line(e, self.quiet)
        if not line:
            return
        try:
            print(line, flush=True)
        except (BrokenPipeError, ValueError):  # ValueError: stdout already closed
            self.closed = True
            self.stop.set()
            _quiet_stdout()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit cannot fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file: nothing to flush
        pass


def _line(e: ev.RunnerEvent, quiet: bool) -> str | None:
    if isinstance(e, ev.Finished):
        return f"{e.status}: {e.reason}" + (
            f" ({e.summary.get('bars', 0)} bars)" if e.summary else ""
        )
    if quiet or isinstance(e, (ev.BarProcessed, ev.DecisionMade)):
        return None
    if isinstance(e, ev.Started):
        where = f" after {_t(e.resumed_after_ns)}" if e.resumed_after_ns else ""
        notes = "".join(f"\n  note: {n}" for n in e.notes)
        return f"started{where}: broker {e.broker}, feed {e.feed}{notes}"
    if isinstance(e, ev.OrderSubmitted):
        return f"order  {e.client_order_id}  {e.side} {e.qty:g} {e.symbol} ({e.reason})"
    if isinstance(e, ev.Filled):
        return f"fill   {e.client_order_id}  {e.side} {e.qty:g} {e.symbol} @ {e.price:g}"
    if isinstance(e, ev.TradeClosed):
        return f"trade  {e.symbol} {e.side} closed ({e.exit_reason}): {e.pnl:+.2f}"
    if isinstance(e, (ev.Rejected, ev.LimitTripped, ev.Paused, ev.BrokerFault, ev.Reconciled)):
        return f"{type(e).__name__.lower()}: " + ", ".join(
            str(v) for k, v in vars_of(e).items() if k != "run_id"
        )
    return None


def vars_of(e: Any) -> dict[str, Any]:
    return {name: getattr(e, name) for name in e.__dataclass_fields__}


# --------------------------------------------------------------------- status
def cmd_status(args: argparse.Namespace) -> int:
    store = _store()
    if args.run:
        return _status_one(store, args.run, args.json)
    rows = [_run_json(store, r) for r in store.list_runs()]
    if args.json:
        _dump(rows)
        return 0
    if not rows:
        print("no runs yet: `parley run FILE` starts one")
    for r in rows:
        print(
            f"{r['id']}  {r['status']:<22} {r['name'][:28]:<28} {r['broker']:<12} "
            f"{r['feed_label']:<34} bars {r['bars_done']:<6} last {r['last_bar'] or '-'}"
            + (f"  ({r['reason']})" if r["reason"] else "")
        )
    return 0


def _status_one(store: Any, run_id: str, as_json: bool) -> int:
    from app.runner.marks import Marks
    from app.store.overview import run_snapshot

    found = store.find_run(run_id)
    snap = None if found is None else run_snapshot(store, found.id)
    if snap is None:
        raise ParleyError(f"no run {run_id!r}", "`parley status` lists the runs")
    row = snap.run
    clock = _clock(row)
    equity = Marks().equity(row)
    data: dict[str, Any] = {
        "run": _run_json(store, row, clock)
        | {
            "cash_now": round(equity.cash, 2),
            "equity": None if equity.value is None else round(equity.value, 2),
            "pnl": None if equity.pnl is None else round(equity.pnl, 2),
            "realized_pnl": round(sum(t.pnl for t in snap.trades), 2),
        },
        "orders": [
            _clean(o.model_dump(exclude={"id", "run_id", "created_at"}), clock) for o in snap.orders
        ],
        "fills": [
            _clean(f.model_dump(exclude={"id", "run_id", "created_at"}), clock) for f in snap.fills
        ],
        "positions": [
            _clean(p.model_dump(exclude={"id", "run_id"}), clock) for p in snap.positions
        ],
        "trades": [_clean(t.model_dump(exclude={"id", "run_id"}), clock) for t in snap.trades],
        "events": [
            {"at": e.at.isoformat(), "kind": e.kind, "message": e.message} for e in snap.events
        ],
    }
    if as_json:
        _dump(data)
        return 0
    r = data["run"]
    print(
        f"run {r['id']}: {r['name']} -- {r['status']}"
        + (f" ({r['reason']})" if r["reason"] else "")
    )
    print(
        f"  broker {r['broker']}, feed {r['feed_label']}, {r['bars_done']} bars, "
        f"last {r['last_bar']}"
    )
    print("  " + _equity_line(equity, r["realized_pnl"]))
    print(
        f"  {_n(len(data['orders']), 'order')}, {_n(len(data['fills']), 'fill')}, "
        f"{len(data['trades'])} closed trades, {_n(len(data['positions']), 'open position')}"
    )
    for p in data["positions"]:
        print(f"  position {p['symbol']} {p['side']} {p['qty']:g} @ {p['entry_price']:g}")
    for o in data["orders"][-10:]:
        print(
            f"  order {o['client_order_id']} {o['side']} {o['qty']:g} {o['symbol']} {o['status']}"
        )
    for t in data["trades"][-10:]:
        print(
            f"  trade {t['symbol']} {t['side']} {t['entry_time']} -> {t['exit_time']}"
            f" {t['pnl']:+.2f}"
        )
    return 0


def _equity_line(equity: Any, realized: float) -> str:
    """``equity 10,241.50 (+2.42%), cash 3,120.00, closed trades +180.25``; on a live
    feed open positions have no price here, so the equity is not known."""
    tail = f"cash {equity.cash:,.2f}, closed trades {realized:+,.2f}"
    if equity.value is None:
        return f"equity not known here (open positions are priced by the live feed), {tail}"
    return f"equity {equity.value:,.2f} ({equity.ret:+.2%}), {tail}"


def _run_json(store: Any, row: Any, clock: str | None = None) -> dict[str, Any]:
    from app.runner.launch import effective_status

    clock = clock or _clock(row)

    return {
        "id": row.id,
        "name": row.name,
        "status": effective_status(row),
        "reason": row.reason,
        "broker": row.broker,
        "feed": row.feed,
        "feed_label": row.feed_label,
        "data": row.data,
        "speed": row.speed,
        "cash": row.cash,
        "bars_done": row.bars_done,
        "last_bar": _t(row.last_bar_ns, clock),
        "timezone": clock,
        "pid": row.pid,
        "created_at": row.created_at.isoformat(),
    }


# --------------------------------------------------------------------- control
def cmd_control(args: argparse.Namespace) -> int:
    from app.runner.launch import request

    store = _store()
    command = "flatten_stop" if getattr(args, "stop", False) else args.command_name
    ids = request(store, args.run, command)
    print(f"{args.command_name}: asked run {ids[0]}")
    return 0


def cmd_kill(args: argparse.Namespace) -> int:
    from app.runner.launch import request

    command = "kill_flatten" if args.flatten else "kill"
    ids = request(_store(), None, command)
    what = "flattening and stopping" if args.flatten else "stopping"
    print(f"kill: {what} {len(ids)} run(s)" + (": " + ", ".join(ids) if ids else ""))
    return 0


def cmd_decisions(args: argparse.Namespace) -> int:
    store = _store()
    row = store.find_run(args.run)
    if row is None:
        raise ParleyError(f"no run {args.run!r}", "`parley status` lists the runs")
    rows, clock = store.decisions(row.id), _clock(row)
    if args.json:
        _dump([d.to_json(_t(d.time_ns, clock, d.symbol)) for d in rows])
        return 0
    for d in rows:
        why = "; ".join(d.reasons)
        conv = "" if d.conviction is None else f" conviction {d.conviction:g}"
        print(
            f"{_t(d.time_ns, clock, d.symbol)}  {d.symbol:<8} {d.side:<5} "
            f"{'approved' if d.approved else 'vetoed':<8} qty {d.qty:g}{conv}"
            + (f"  -- {why}" if why else "")
        )
    if not rows:
        print("no decisions yet")
    return 0


# --------------------------------------------------------------------- helpers
def _store(settings: Any = None) -> Any:
    """The store the settings name (read here when the command has not read them yet)."""
    from app.config import load_settings
    from app.store import Store

    return Store.from_settings(settings or load_settings())


def _t(ns: int | None, clock: str | None = None, symbol: str | None = None) -> str | None:
    """A bar time of a run as text: with ``clock`` (the run's, :func:`_clock`) stamped
    with its zone, in ``symbol``'s own zone when given (a daily bar is a date)."""
    if not ns:
        return None
    import pandas as pd

    if clock is not None:
        from app.instruments.clock import iso_time, zone_of

        return iso_time(ns, clock, zone_of(symbol) if symbol else None)
    ts = pd.Timestamp(ns)
    text: str = ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    return text


def _clock(row: Any) -> str | None:
    """The zone of a run's bar times (its symbols' shared zone, else UTC), None when its
    spec no longer parses."""
    from app.dsl.parser import parse_spec
    from app.instruments.clock import run_zone

    try:
        return run_zone(parse_spec(row.spec_text, row.name).universe)
    except Exception:  # noqa: BLE001 - a stored spec this version cannot read: plain times
        return None


def _clean(d: dict[str, Any], clock: str | None = None) -> dict[str, Any]:
    out = {}
    symbol = d.get("symbol")
    for k, v in d.items():
        if k.endswith("_ns"):
            out[k.removesuffix("_ns")] = _t(v, clock, symbol)
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _n(count: int, noun: str) -> str:
    """``1 open position``, ``2 open positions``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
