"""A team decision as a few lines of plain text, for the terminal's decision log."""

from __future__ import annotations

from app.agents.models import TeamDecision

WIDTH = 100


def describe(d: TeamDecision, *, debate: bool = True) -> str:
    """The decision: verdict line, context, each opinion, the debate, risk and why."""
    verdict = "APPROVED" if d.approved else "REJECTED"
    regime = d.regime or "unknown"
    conf = "" if d.regime_confidence is None else f" ({d.regime_confidence:.2f})"
    lines = [
        f"{d.time:%Y-%m-%d %H:%M} {d.symbol} {d.side}  conviction {d.conviction}/"
        f"{d.min_conviction}  {verdict}  size x{d.size_factor:.2f}  [{d.mode}]",
        f"  rule: {d.rule}   regime: {regime}{conf}",
    ]
    for o in d.opinions:
        tag = "" if o.source == "deterministic" else f" [{o.source}]"
        lines.append(_cut(f"  {o.agent:<12} {o.stance:<8} {o.score:+4.0f}  {o.rationale}{tag}"))
    if debate:
        for t in d.debate:
            lines.append(_cut(f"  debate r{t.round} {t.speaker} ({t.strength:.0f}): {t.argument}"))
    lines.append(
        _cut(f"  risk: {d.risk.action} x{d.risk.size_factor:.2f} - " + "; ".join(d.risk.reasons))
    )
    for hit in d.lessons:
        lines.append(_cut(f"  lesson {hit.lesson_id} ({hit.points:+.1f}): {hit.reflection}"))
    lines.append(f"  why: {d.reasons[-1]}")
    if d.degraded:
        lines += [_cut(f"  degraded: {why}") for why in d.degraded_why]
    return "\n".join(lines)


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."
