"""The risk manager: code that approves, shrinks or vetoes a candidate, with reasons.

It reads the portfolio (drawdown, daily loss, positions, exposure), the spec's limits,
the symbol's volatility and the regime. No model output reaches these checks; an LLM
risk manager may only make the verdict stricter (see :func:`stricter`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.agents.features import Features
from app.agents.models import DecisionContext, RiskVerdict
from app.spec.models import Limits

SOFT_DRAWDOWN_PCT = 15.0
"""Without a drawdown limit, shrink beyond this drawdown."""
NEGLIGIBLE = 0.05
"""A size factor below this is a veto: the trade would be too small to matter."""
_AGAINST = {"long": "trending_down", "short": "trending_up"}


@dataclass
class _Ruling:
    factor: float = 1.0
    vetoes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def shrink(self, factor: float, why: str) -> None:
        self.factor *= factor
        self.notes.append(f"{why}: size x{factor:.2f}")


class RiskManager:
    """Checks in the order a desk would: account, concentration, market."""

    def __init__(self, limits: Limits | None = None, max_positions: int | None = None) -> None:
        self.limits = limits or Limits()
        self.max_positions = max_positions

    def verdict(self, ctx: DecisionContext, feats: Features) -> RiskVerdict:
        r = _Ruling()
        self._account(ctx, r)
        self._concentration(ctx, r)
        self._market(ctx, feats, r)
        factor = round(max(0.0, min(1.0, r.factor)), 3)
        if not r.vetoes and factor < NEGLIGIBLE:
            r.vetoes.append(f"size factor {factor:.2f} would be negligible")
        if r.vetoes:
            return RiskVerdict(action="veto", size_factor=0.0, reasons=tuple(r.vetoes + r.notes))
        if factor < 1.0:
            return RiskVerdict(action="shrink", size_factor=factor, reasons=tuple(r.notes))
        p = ctx.portfolio
        return RiskVerdict(
            action="approve",
            size_factor=1.0,
            reasons=(
                f"within limits: drawdown {p.drawdown_pct:.1f}%, exposure {p.exposure_pct:.0f}%, "
                f"{len(p.positions)} open position(s)",
            ),
        )

    def _account(self, ctx: DecisionContext, r: _Ruling) -> None:
        p, lim = ctx.portfolio, self.limits
        dd = p.drawdown_pct
        if lim.max_drawdown_pct is not None:
            if dd >= lim.max_drawdown_pct:
                r.vetoes.append(
                    f"drawdown {dd:.1f}% has reached the {lim.max_drawdown_pct:g}% limit"
                )
            elif dd >= lim.max_drawdown_pct / 2:
                r.shrink(
                    round(1.5 - dd / lim.max_drawdown_pct, 3),
                    f"drawdown {dd:.1f}% is past half the {lim.max_drawdown_pct:g}% limit",
                )
        elif dd >= SOFT_DRAWDOWN_PCT:
            r.shrink(0.75, f"drawdown {dd:.1f}% (no limit set; soft line {SOFT_DRAWDOWN_PCT:g}%)")
        loss = p.day_loss_pct
        if lim.daily_loss_pct is not None:
            if loss >= lim.daily_loss_pct:
                r.vetoes.append(
                    f"today's loss {loss:.1f}% has reached the {lim.daily_loss_pct:g}% daily limit"
                )
            elif loss >= lim.daily_loss_pct / 2:
                r.shrink(0.5, f"today's loss {loss:.1f}% is past half the daily limit")

    def _concentration(self, ctx: DecisionContext, r: _Ruling) -> None:
        p, lim = ctx.portfolio, self.limits
        if any(pos.symbol == ctx.symbol and pos.side == ctx.side for pos in p.positions):
            r.vetoes.append(f"already {ctx.side} {ctx.symbol}")
        if self.max_positions is not None and len(p.positions) >= self.max_positions:
            r.vetoes.append(f"{len(p.positions)} positions open, the most the spec allows")
        proposed = ctx.proposed_pct
        if lim.max_exposure_pct is not None:
            room = lim.max_exposure_pct - p.exposure_pct
            if room <= 0:
                r.vetoes.append(
                    f"exposure {p.exposure_pct:.0f}% is at the {lim.max_exposure_pct:g}% limit"
                )
            elif proposed and proposed > room:
                r.shrink(round(room / proposed, 3), f"only {room:.0f}% of exposure room left")
        if lim.max_position_pct is not None and proposed and proposed > lim.max_position_pct:
            r.shrink(
                round(lim.max_position_pct / proposed, 3),
                f"position of {proposed:.0f}% exceeds the {lim.max_position_pct:g}% cap",
            )

    def _market(self, ctx: DecisionContext, f: Features, r: _Ruling) -> None:
        cb = self.limits.circuit_breaker
        close = ctx.bars.close
        if cb is not None and len(close) > cb.bars:
            move = 100 * abs(close[-1] / close[-1 - cb.bars] - 1)
            if move >= cb.move_pct:
                r.vetoes.append(
                    f"circuit breaker: {move:.1f}% move in {cb.bars} bar(s) "
                    f"(limit {cb.move_pct:g}%)"
                )
        if f.atr_rank > 0.9:
            r.shrink(0.6, f"volatility in the top decile of the year (ATR {f.atr_pct:.1f}%)")
        elif f.atr_rank > 0.8:
            r.shrink(0.8, f"volatility high for the year (ATR {f.atr_pct:.1f}%)")
        if ctx.regime == "high_volatility":
            r.shrink(0.5, "high-volatility regime")
        elif ctx.regime == _AGAINST[ctx.side]:
            r.shrink(0.6, f"regime {ctx.regime} runs against a {ctx.side}")
        if ctx.in_transition:
            r.shrink(0.75, "regime in transition")


def stricter(code: RiskVerdict, other: RiskVerdict) -> RiskVerdict:
    """The stricter of two verdicts: the smaller size, a veto if either vetoes."""
    if code.action == "veto" or other.action == "veto":
        action, size = "veto", 0.0
    else:
        size = min(code.size_factor, other.size_factor)
        action = "approve" if size >= 1.0 else "shrink"
    if size < NEGLIGIBLE:
        action, size = "veto", 0.0
    reasons = code.reasons + tuple(f"(model) {why}" for why in other.reasons)
    source = other.source if (action, size) != (code.action, code.size_factor) else code.source
    return RiskVerdict(action=action, size_factor=size, reasons=reasons, source=source)  # type: ignore[arg-type]
