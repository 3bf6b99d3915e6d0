"""The technical analyst: trend, momentum and volatility of the symbol's own bars."""

from __future__ import annotations

import math

from app.agents._scoring import abstain, fmt, opinion_from, squash
from app.agents.features import Features
from app.agents.models import DecisionContext, Evidence, Opinion

MIN_BARS = 30


class TechnicalAnalyst:
    """Scores trend (price against its averages), momentum (ROC, RSI, MACD) and notes
    volatility; ADX scales the trend points (a strong trend counts more)."""

    name = "technical"

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        if feats.bars < MIN_BARS:
            return abstain(self.name, f"Only {feats.bars} bars of history; need {MIN_BARS}.")
        trend = self._trend(feats)
        strength = 1.0 if math.isnan(feats.adx14) else 0.8 + 0.4 * min(1.0, feats.adx14 / 50)
        trend = [e.model_copy(update={"points": round(e.points * strength, 1)}) for e in trend]
        evidence = trend + self._momentum(feats) + self._context(feats)
        return opinion_from(
            self.name, evidence, f"Trend is {feats.trend}, volatility {feats.volatility}."
        )

    @staticmethod
    def _trend(f: Features) -> list[Evidence]:
        out = []
        if not math.isnan(f.sma50):
            gap = 100 * (f.close - f.sma50) / f.sma50
            word = "above" if gap > 0 else "below"
            out.append(
                Evidence(
                    fact=f"close is {abs(gap):.1f}% {word} its 50-bar average",
                    value=round(gap, 2),
                    points=squash(gap, 5, 15),
                )
            )
        if not math.isnan(f.sma200):
            gap = 100 * (f.sma50 - f.sma200) / f.sma200
            word = "above" if gap > 0 else "below"
            out.append(
                Evidence(
                    fact=f"50-bar average is {abs(gap):.1f}% {word} the 200-bar",
                    value=round(gap, 2),
                    points=squash(gap, 5, 15),
                )
            )
        if not math.isnan(f.sma50_slope_pct):
            out.append(
                Evidence(
                    fact=f"50-bar average moved {f.sma50_slope_pct:+.1f}% in 10 bars",
                    value=round(f.sma50_slope_pct, 2),
                    points=squash(f.sma50_slope_pct, 2, 10),
                )
            )
        return out

    @staticmethod
    def _momentum(f: Features) -> list[Evidence]:
        out = []
        if not math.isnan(f.roc20):
            out.append(
                Evidence(
                    fact=f"price changed {f.roc20:+.1f}% over 20 bars",
                    value=round(f.roc20, 2),
                    points=squash(f.roc20, 10, 20),
                )
            )
        if not math.isnan(f.rsi14):
            out.append(_rsi(f.rsi14))
        if not math.isnan(f.macd_hist) and f.atr14 > 0:
            rel = f.macd_hist / f.atr14
            word = "above" if rel > 0 else "below"
            out.append(
                Evidence(
                    fact=f"MACD is {word} its signal line ({rel:+.2f} ATR)",
                    value=round(rel, 3),
                    points=squash(rel, 0.2, 10),
                )
            )
        return out

    @staticmethod
    def _context(f: Features) -> list[Evidence]:
        out = [
            Evidence(
                fact=f"ATR(14) is {fmt(f.atr_pct, 2)}% of price, rank "
                f"{fmt(100 * f.atr_rank, 0)} of 100 over the last year",
                value=None if math.isnan(f.atr_pct) else round(f.atr_pct, 3),
            )
        ]
        if not math.isnan(f.adx14):
            word = "strong" if f.adx14 >= 25 else "weak" if f.adx14 < 20 else "moderate"
            out.append(
                Evidence(fact=f"ADX(14) {f.adx14:.0f}: {word} trend", value=round(f.adx14, 1))
            )
        return out


def _rsi(rsi: float) -> Evidence:
    """Momentum between 30 and 70; beyond, the stretch argues for a pullback."""
    if rsi > 70:
        return Evidence(
            fact=f"RSI(14) {rsi:.0f} is overbought",
            value=round(rsi, 1),
            points=round(-15 * (rsi - 70) / 30, 1),
        )
    if rsi < 30:
        return Evidence(
            fact=f"RSI(14) {rsi:.0f} is oversold",
            value=round(rsi, 1),
            points=round(15 * (30 - rsi) / 30, 1),
        )
    return Evidence(
        fact=f"RSI(14) {rsi:.0f}", value=round(rsi, 1), points=round(10 * (rsi - 50) / 20, 1)
    )
