"""The parts of a clause: rules, stops, targets, trailing stops, holding limits, sizes.

One method per alias of ``phrases.lark``; conditions come from :class:`CondBuilder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.compiler.offline.conds import CondBuilder
from app.compiler.offline.lexer import Tok
from app.compiler.offline.operands import Ask, period_bars

__all__ = ["Ask", "Part", "PartBuilder"]


@dataclass
class Part:
    """One thing a clause says."""

    kind: str
    """rule, bare, stop, target, target_rr, trail, hold, size, direction, change."""
    side: str | None = None
    """For a rule: buy, short, sell, cover or exit."""
    cond: Any = None
    value: Any = None
    """A level ("pct", x) / ("atr", k, n), a size (kind, value), a bar count, a ratio."""
    headed: bool = False
    """True when the side came from a heading ("Entry:"), not from the clause itself."""
    join: str = "and"
    """How a headed condition joins the one above it ("- OR RSI > 80": or)."""
    about: tuple[str, ...] = ()
    """Symbols other than the traded ones that its condition reads ("when BTC/USD rises")."""


@dataclass
class Amount:
    kind: str
    value: float
    text: str


class PartBuilder(CondBuilder):
    """Grammar aliases -> :class:`Part` objects (and the notes of non-literal readings)."""

    def __init__(self, speeds: dict[str, int] | None = None) -> None:
        self.notes: list[str] = []
        self.speeds = speeds or {}

    def rule(self, side: Tok, *rest: Any) -> Part:
        amount = next((r for r in rest if isinstance(r, Amount)), None)
        cond = next((r for r in rest if not isinstance(r, (Tok, Amount))), None)
        part = Part("rule", side=str(side.value), cond=cond)
        if amount is not None and part.side in ("exit", "exitlong", "cover"):
            raise Ask(
                f"'{side.text} {amount.text}': the language closes whole positions, not "
                "parts of them. Should the exit close the whole position?"
            )
        if amount is not None:
            part.value = self._size(amount, risk=False, in_rule=True)
        return part

    def bare(self, *args: Any) -> Part:
        return Part("bare", cond=args[-1])

    def agents(self, tok: Tok) -> Part:
        return Part("agents")

    def direction(self, tok: Tok) -> Part:
        return Part("direction", value=str(tok.value))

    # ----- stops and targets -----------------------------------------------------------------
    def stop(self, *args: Any) -> Part:
        level = next(a for a in args if isinstance(a, tuple))
        ref = next((a for a in args if isinstance(a, Tok) and a.kind == "TRAILREF"), None)
        if ref is not None:  # "a stop 5% from the high": it follows the high, a trailing stop
            self.notes.append(f"a stop '{ref.text}' read as a trailing stop")
            return Part("trail", value=level)
        return Part("stop", value=level)

    def stop_unsaid(self, tok: Tok) -> Part:
        raise Ask("How far should the stop loss be? e.g. '2%' or '2 ATR'.")

    def change(self, *args: Any) -> Part:
        """ "a tighter stop", "widen the target to 8%": a change to a level the spec has; the
        draft checks it against the current one (``settle.changes``)."""
        toks = [a for a in args if isinstance(a, Tok)]
        what = next(t for t in toks if t.kind in ("STOP", "TARGET", "TRAIL"))
        if what.kind == "STOP" and any(t.kind == "TRAIL" for t in toks):
            what = next(t for t in toks if t.kind == "TRAIL")
        change = next(t for t in toks if t.kind == "CHANGE")
        level = next((a for a in args if isinstance(a, tuple)), None)
        key = {"STOP": "stop_loss", "TARGET": "take_profit", "TRAIL": "trailing_stop"}[what.kind]
        return Part("change", value=(key, str(change.value), level))

    def target(self, *args: Any) -> Part:
        return Part("target", value=next(a for a in args if isinstance(a, tuple)))

    def target_unsaid(self, tok: Tok) -> Part:
        raise Ask("How far should the take-profit target be? e.g. '6%' or '3 ATR'.")

    def target_rr(self, *args: Any) -> Part:
        reward = next(a for a in args if isinstance(a, float))
        return Part("target_rr", value=reward)

    def reward(self, *toks: Tok) -> float:
        tok = toks[0]
        if tok.kind == "RATIO":
            a, b = tok.value
            if min(a, b) <= 0:
                raise Ask(f"A risk:reward of {tok.text}: which target did you mean?")
            return max(a, b) / min(a, b)
        return float(tok.value)

    def trail(self, *args: Any) -> Part:
        return Part("trail", value=next(a for a in args if isinstance(a, tuple)))

    def trail_unsaid(self, *toks: Tok) -> Part:
        raise Ask("How far should the trailing stop trail? e.g. '5%' or '3 ATR'.")

    def pct_level(self, tok: Tok) -> tuple:
        if not 0 < tok.value <= 100:
            raise Ask(f"A level of {tok.text}: which percentage did you mean?")
        return ("pct", float(tok.value))

    def atr_level(self, num: Tok, *rest: Tok) -> tuple:
        args = next((r for r in rest if r.kind == "ARGS"), None)
        period = 14
        if args is not None and args.value:
            arg = args.value[0]
            period = int(arg.value) if arg.kind == "NUM" else period_bars(arg, self.notes)
        elif "ind:atr" in self.speeds:  # "2x ATR" where the text says "N = 20-day ATR"
            period = self.speeds["ind:atr"]
            self.notes.append(f"ATR period: {period} (the ATR length the text gives)")
        else:
            self.notes.append("ATR period: 14 (the usual one; not stated)")
        return ("atr", float(num.value), period)

    def atr_level_period(self, num: Tok, *rest: Tok) -> tuple:
        """ "six times the 10-day ATR"."""
        period = next(t for t in rest if t.kind == "PERIOD")
        return ("atr", float(num.value), period_bars(period, self.notes))

    def pip_level(self, num: Tok, unit: Tok) -> tuple:
        raise Ask(
            f"A level of {num.text} {unit.text}: the language measures stops and "
            "targets in percent or ATR. How much is that in percent (e.g. 0.5%)?"
        )

    def money_level(self, tok: Tok) -> tuple:
        raise Ask(
            f"A level of {tok.text}: the language measures stops and targets in "
            "percent or ATR. How much is that in percent of the entry price?"
        )

    def bare_level(self, tok: Tok) -> tuple:
        raise Ask(f"'{tok.text}' of what: percent (e.g. {tok.text}%) or ATR (e.g. {tok.text} ATR)?")

    # ----- holding and size --------------------------------------------------------------------
    def entry_move(self, *args: Any) -> Part:
        pct = next(a for a in args if isinstance(a, Tok) and a.kind == "PCT")
        ref = next(a for a in args if isinstance(a, Tok) and a.kind == "ENTRYREF")
        return Part("entry_move", value=(str(ref.value), float(pct.value)))

    def entry_move_level(self, *args: Any) -> Part:
        """ "exit when price falls below the entry price by five times the 20-day ATR"."""
        ref = next(a for a in args if isinstance(a, Tok) and a.kind == "ENTRYREF")
        level = next(a for a in args if isinstance(a, tuple))
        return Part("entry_move", value=(str(ref.value), level))

    def entry_move_by(self, *args: Any) -> Part:
        """ "sells when the price drops 5% from the entry price"."""
        move = next(a for a in args if isinstance(a, Tok) and a.kind == "MOVE")
        pct = next(a for a in args if isinstance(a, Tok) and a.kind == "PCT")
        if str(move.value).startswith("gap"):
            raise Ask(None)
        where = "above" if move.value == "up" else "below"
        return Part("entry_move", value=(where, float(pct.value)))

    def hold(self, *toks: Tok) -> Part:
        period = next(t for t in toks if t.kind == "PERIOD")
        return Part("hold", value=period_bars(period, self.notes))

    def hold_unsaid(self, tok: Tok) -> Part:
        raise Ask("For how many bars at most should it hold a position? e.g. 'hold 5 days'.")

    def size(self, *args: Any) -> Part:
        risk = any(isinstance(a, Tok) and a.kind == "RISK" for a in args)
        amount = next(a for a in args if isinstance(a, Amount))
        return Part("size", value=self._size(amount, risk=risk))

    def size_each(self, amount: Amount, _per: Tok) -> Part:
        return Part("size", value=self._size(amount, risk=False))

    def size_alone(self, amount: Amount) -> Part:
        return Part("size", value=self._size(amount, risk=False))

    def size_unsaid(self, tok: Tok) -> Part:
        raise Ask("How big should each position be? e.g. '10 shares', '$5,000' or '10% of equity'.")

    def _size(self, amount: Amount, risk: bool, in_rule: bool = False) -> tuple:
        if amount.kind == "lots":
            raise Ask(f"'{amount.text}': how many units is that (e.g. 100,000 units)?")
        if risk:
            if amount.kind not in ("pct_equity", "pct"):
                raise Ask(f"Risk {amount.text} per trade: as a percent of equity (e.g. 1%)?")
            return ("risk_pct", amount.value)
        if amount.kind == "pct":
            self.notes.append(f"'{amount.text}' read as {amount.value:g}% of equity per position")
            return ("pct_equity", amount.value)
        if amount.kind == "count":
            if not in_rule:
                raise Ask(f"'{amount.text}' of what: shares, dollars or percent of equity?")
            self.notes.append(f"'{amount.text}' read as {amount.value:g} shares (units)")
            return ("fixed_shares", amount.value)
        return (amount.kind, amount.value)

    def shares(self, num: Tok, unit: Tok) -> Amount:
        return Amount("fixed_shares", float(num.value), f"{num.text} {unit.text}")

    def lots(self, num: Tok, unit: Tok) -> Amount:
        return Amount("lots", float(num.value), f"{num.text} {unit.text}")

    def money(self, tok: Tok, *rest: Tok) -> Amount:
        return Amount("fixed_usd", float(tok.value), tok.text)

    def pct_equity(self, tok: Tok, eq: Tok) -> Amount:
        return Amount("pct_equity", float(tok.value), f"{tok.text} {eq.text}")

    def part_equity(self, tok: Tok, eq: Tok) -> Amount:
        """ "1/3 of the account", "half the capital": a fraction of equity."""
        if not 0 < tok.value < 1:
            raise Ask(f"'{tok.text} {eq.text}': what part of equity is that (e.g. 10% of equity)?")
        return Amount("pct_equity", round(float(tok.value) * 100, 2), f"{tok.text} {eq.text}")

    def pct_bare(self, tok: Tok) -> Amount:
        return Amount("pct", float(tok.value), tok.text)

    def count(self, tok: Tok) -> Amount:
        return Amount("count", float(tok.value), tok.text)
