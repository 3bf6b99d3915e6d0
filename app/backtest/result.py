"""What a backtest returns, and its machine-readable (``--json``) form."""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from itertools import islice
from collections.abc import Iterator
from typing import Any, TextIO, cast

import numpy as np
import pandas as pd

from app.backtest.gcpause import gc_paused
from app.execution.limits import LimitEvent
from app.execution.orders import Order
from app.execution.portfolio import Position, Trade
from app.execution.decision import DecisionRecord
from app.instruments.clock import iso_times, zone_of


@dataclass
class BacktestResult:
    """Trades, curves and metrics of one run. Times are pandas Timestamps."""

    name: str
    symbols: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    cash: float
    trades: list[Trade]
    open_positions: list[Position]
    marks: dict[str, float]
    """The last close of each symbol, which open positions are valued at."""
    equity: pd.Series
    drawdown_pct: pd.Series
    buy_and_hold: pd.Series
    metrics: dict[str, Any]
    buy_and_hold_metrics: dict[str, Any]
    decisions: list[DecisionRecord] = field(default_factory=list)
    unfilled_orders: list[Order] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    walk_forward: list[dict[str, Any]] | None = None
    limits: list[str] = field(default_factory=list)
    """The limits the run watched, in words (daily loss, drawdown, circuit breaker, PDT)."""
    limit_events: list[LimitEvent] = field(default_factory=list)
    """Each limit that tripped (daily loss, drawdown stop, circuit breaker, PDT), in order."""
    caveats: list[str] = field(default_factory=list)
    """What the data cannot tell (survivorship bias of the bundled sp500 universe)."""
    data_warnings: list[str] = field(default_factory=list)
    """Bars the loader fixed, left out or flagged (:mod:`app.market.quality`)."""
    timezone: str = "America/New_York"
    """The zone of every time here (wall time): the symbols' own, or UTC when they differ
    (:func:`app.instruments.clock.run_zone`). The ``--json`` form stamps each time with
    its zone: a trade's or a decision's in its symbol's, the curve's in this one."""

    @property
    def final_equity(self) -> float:
        return float(self.equity.iloc[-1])

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: settings, metrics beside buy-and-hold, trades, equity."""
        plain: dict[str, Any] = _clean(self._plain())
        return plain

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text, through the C encoder (NaN and infinities: null)."""
        out = io.StringIO()
        self.write_json(out)
        return out.getvalue()

    def write_json(self, out: TextIO) -> None:
        """:meth:`to_json`'s text written to ``out`` as it is made: the long lists (trades,
        equity, decisions) are encoded ``_CHUNK`` rows at a time, so a run of 5,000 symbols
        never holds all of its rows as dicts, nor its whole text, at once."""
        with gc_paused():  # tens of thousands of acyclic dicts
            for i, (key, value) in enumerate(self._parts().items()):
                out.write(f"{', ' if i else '{'}{json.dumps(key)}: ")
                if key not in _LONG:
                    out.write(_dumps(value))
                    continue
                out.write("[")
                sep = ""
                for text in _chunks(value):
                    out.write(sep + text)
                    sep = ", "
                out.write("]")
            out.write("}")

    def _plain(self) -> dict[str, Any]:
        parts = self._parts()
        return {k: list(v) if k in _LONG else v for k, v in parts.items()}

    def _parts(self) -> dict[str, Any]:
        """The ``--json`` object, its long lists (:data:`_LONG`) as iterators of rows."""
        trades, clock = self.trades, self.timezone
        names = [t.symbol for t in trades]
        entry = _stamped([t.entry_time_ns for t in trades], names, clock)
        exit_ = _stamped([t.exit_time_ns for t in trades], names, clock)
        decided = _stamped(
            [d.time_ns for d in self.decisions], [d.symbol for d in self.decisions], clock
        )
        times = iso_times(pd.DatetimeIndex(self.equity.index).as_unit("ns").asi8, clock)
        return {
            "strategy": self.name,
            "symbols": list(self.symbols),
            "start": _iso(self.start, clock),
            "end": _iso(self.end, clock),
            "timezone": self.timezone,
            "cash": self.cash,
            "settings": self.settings,
            "metrics": self.metrics,
            "buy_and_hold": self.buy_and_hold_metrics,
            "trades": _TradeRows(trades, entry, exit_),
            "open_positions": [self._open_row(p) for p in self.open_positions],
            "unfilled_orders": [
                {
                    "client_order_id": o.client_order_id,
                    "symbol": o.symbol,
                    "side": "buy" if o.side > 0 else "sell",
                    "qty": o.qty,
                    "reason": o.reason,
                }
                for o in self.unfilled_orders
            ],
            "equity": (
                {"time": t, "equity": e, "drawdown_pct": d, "buy_and_hold": b}
                for t, e, d, b in zip(
                    times,
                    _floats(self.equity),
                    _floats(self.drawdown_pct),
                    _floats(self.buy_and_hold),
                )
            ),
            "decisions": _DecisionRows(self.decisions, decided),
            "limits": self.limits,
            "limit_events": [
                {
                    "time": _iso(e.time_ns, clock),
                    "limit": e.limit,
                    "message": e.message,
                    "effect": e.effect,
                }
                for e in self.limit_events
            ],
            "walk_forward": self.walk_forward,
            "caveats": self.caveats,
            "data_warnings": self.data_warnings,
            "notes": self.notes,
        }

    def _open_row(self, p: Position) -> dict[str, Any]:
        mark = self.marks.get(p.symbol, p.entry_price)
        return {
            "symbol": p.symbol,
            "side": "long" if p.side > 0 else "short",
            "qty": p.qty,
            "entry_time": _iso(p.entry_time_ns, self.timezone, zone_of(p.symbol)),
            "entry_price": p.entry_price,
            "mark": mark,
            "unrealised_pnl": p.side * p.qty * (mark - p.entry_price) - p.entry_commission,
        }


_LONG = frozenset({"trades", "equity", "decisions"})
"""The ``--json`` lists with a row per trade, bar or decision."""
_CHUNK = 20_000


def _chunks(rows: Any) -> Iterator[str]:
    """The JSON text of ``rows`` (a list's items, without the brackets), ``_CHUNK`` rows at
    a time."""
    if isinstance(rows, (_TradeRows, _DecisionRows)):
        yield from rows.chunks(_CHUNK)
        return
    it = iter(rows)
    while chunk := list(islice(it, _CHUNK)):
        yield _dumps(chunk)[1:-1]


class _TradeRows:
    """The closed trades as ``--json`` rows: dicts when iterated, or straight to text."""

    _ROW = (
        '{{"symbol": {}, "side": {}, "entry_time": {}, "entry_price": {}, '
        '"exit_time": {}, "exit_price": {}, "qty": {}, "pnl": {}, "pnl_pct": {}, '
        '"bars_held": {}, "exit_reason": {}, "commission": {}}}'
    )

    def __init__(self, trades: list[Trade], entry: list[str], exit_: list[str]) -> None:
        self.trades, self.entry, self.exit = trades, entry, exit_

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._dicts(self.trades, self.entry, self.exit)

    @staticmethod
    def _dicts(trades: list[Trade], entry: list[str], exit_: list[str]) -> Iterator[dict[str, Any]]:
        return (
            {
                "symbol": t.symbol,
                "side": t.side,
                "entry_time": a,
                "entry_price": t.entry_price,
                "exit_time": b,
                "exit_price": t.exit_price,
                "qty": t.qty,
                "pnl": t.pnl,
                "pnl_pct": t.pnl_pct,
                "bars_held": t.bars_held,
                "exit_reason": t.exit_reason,
                "commission": t.commission,
            }
            for t, a, b in zip(trades, entry, exit_)
        )

    def chunks(self, size: int) -> Iterator[str]:
        for lo in range(0, len(self.trades), size):
            part = self.trades[lo : lo + size]
            entry, exit_ = self.entry[lo : lo + size], self.exit[lo : lo + size]
            text = self._text(part, entry, exit_)
            yield text if text is not None else _dumps(list(self._dicts(part, entry, exit_)))[1:-1]

    @classmethod
    def _text(cls, trades: list[Trade], entry: list[str], exit_: list[str]) -> str | None:
        """What ``json.dumps`` writes for these rows, column by column through the same
        C functions (string escaping, float and int repr); None when a value is not a
        plain str, finite float or int, so that the encoder's own path decides."""
        cols = [_texts(entry, str), _texts(exit_, str)]
        cols += [
            _texts([getattr(t, name) for t in trades], kind)
            for name, kind in (
                ("symbol", str),
                ("side", str),
                ("entry_price", float),
                ("exit_price", float),
                ("qty", float),
                ("pnl", float),
                ("pnl_pct", float),
                ("bars_held", int),
                ("exit_reason", str),
                ("commission", float),
            )
        ]
        if any(c is None for c in cols):
            return None
        a, b, symbol, side, p0, p1, qty, pnl, pct, held, reason, comm = cast(list[list[str]], cols)
        return ", ".join(
            map(cls._ROW.format, symbol, side, a, p0, b, p1, qty, pnl, pct, held, reason, comm)
        )


class _DecisionRows:
    """The decisions as ``--json`` rows (:meth:`DecisionRecord.to_json`): dicts when
    iterated, or straight to text for the plain ones (no gate records, no orders)."""

    _ROW = (
        '{{"time": {}, "symbol": {}, "rule": {}, "side": {}, "approved": {}, '
        '"qty": {}, "conviction": {}, "reasons": {}, "gates": {{}}, "orders": []}}'
    )

    def __init__(self, decisions: list[DecisionRecord], times: list[str]) -> None:
        self.decisions, self.times = decisions, times

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (d.to_json(t) for t, d in zip(self.times, self.decisions))

    def chunks(self, size: int) -> Iterator[str]:
        for lo in range(0, len(self.decisions), size):
            part, times = self.decisions[lo : lo + size], self.times[lo : lo + size]
            text = self._text(part, times)
            yield (
                text
                if text is not None
                else _dumps([d.to_json(t) for t, d in zip(times, part)])[1:-1]
            )

    @classmethod
    def _text(cls, decisions: list[DecisionRecord], times: list[str]) -> str | None:
        if not all(
            type(d) is DecisionRecord and not d.gates and not d.orders and type(d.reasons) is tuple
            for d in decisions
        ):
            return None
        convictions = [d.conviction for d in decisions]
        known = [c for c in convictions if c is not None]
        given = _texts(known, float)
        reasons: dict[tuple[str, ...], str] = {}
        for d in decisions:
            if d.reasons not in reasons:
                reasons[d.reasons] = _dumps(list(d.reasons))
        cols = [_texts(times, str)] + [
            _texts([getattr(d, name) for d in decisions], kind)
            for name, kind in (("symbol", str), ("rule", str), ("side", str), ("qty", float))
        ]
        if (
            given is None
            or any(c is None for c in cols)
            or not all(type(d.approved) is bool for d in decisions)
        ):
            return None
        it = iter(given)
        conviction = ["null" if c is None else next(it) for c in convictions]
        approved = ["true" if d.approved else "false" for d in decisions]
        t, symbol, rule, side, qty = cast(list[list[str]], cols)
        return ", ".join(
            map(
                cls._ROW.format,
                t,
                symbol,
                rule,
                side,
                approved,
                qty,
                conviction,
                [reasons[d.reasons] for d in decisions],
            )
        )


def _texts(values: list[Any], kind: type) -> list[str] | None:
    """Each value's JSON text when every one is exactly a ``kind`` (floats finite)."""
    if not all(type(v) is kind for v in values):
        return None
    if kind is str:
        return list(map(json.encoder.encode_basestring_ascii, values))
    if kind is float:
        if not math.isfinite(sum(values)):
            return None  # a NaN or infinity (or a sum past the float range): the encoder
        return list(map(float.__repr__, values))
    return list(map(int.__repr__, values))


def _dumps(value: Any) -> str:
    """JSON text through the C encoder; NaN and infinities anywhere in ``value``: null."""
    try:
        return json.dumps(value, allow_nan=False, default=_scalar)
    except ValueError:  # a NaN or infinity somewhere: clean the whole value, then encode
        return json.dumps(_clean(value), allow_nan=False, default=_scalar)


def _iso(t: Any, clock: str, zone: str | None = None) -> str:
    """A run-clock time as JSON text with its zone (:func:`iso_times`)."""
    return iso_times([int(pd.Timestamp(t).value)], clock, zone)[0]


def _stamped(times: list[int], symbols: list[str], clock: str) -> list[str]:
    """Each time as JSON text in its symbol's own zone (a stock's New York, a coin's
    UTC): a daily bar is its venue's date, an intraday time carries its UTC offset."""
    zones = [zone_of(s) for s in symbols]
    out = [""] * len(times)
    values = np.asarray(times, dtype=np.int64)
    for zone in set(zones):
        at = [i for i, z in enumerate(zones) if z == zone]
        for i, text in zip(at, iso_times(values[at], clock, zone)):
            out[i] = text
    return out


def _floats(series: pd.Series) -> list[float | None]:
    """A float series as JSON-ready numbers (NaN and infinities: None)."""
    values = series.to_numpy(dtype=float)
    if np.isfinite(values).all():
        plain: list[float | None] = values.tolist()
        return plain
    return [v if math.isfinite(v) else None for v in values.tolist()]


def _scalar(value: Any) -> Any:
    """numpy scalars and arrays for the JSON encoder."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
