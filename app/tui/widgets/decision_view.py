"""One decision record: the rule, the regime, each agent's opinion, the bull/bear debate,
the risk verdict, conviction and size, and why it ended as it did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from app.tui.decisions import regime_of, team_of, when

if TYPE_CHECKING:
    from app.agents.models import TeamDecision
    from app.execution.decision import DecisionRecord

_STANCE = {
    "bullish": "$text-success",
    "bearish": "$text-error",
    "neutral": "$text-muted",
    "abstain": "$text-muted",
}
_RISK = {"approve": "$text-success", "shrink": "$text-warning", "veto": "$text-error"}


def _head(label: str) -> tuple[str, str]:
    return (f"{label:<8}", "bold $text-primary")


class DecisionView(Static):
    """Shows a :class:`~app.execution.decision.DecisionRecord`, or a placeholder when
    nothing is selected."""

    DEFAULT_CSS = """
    DecisionView { padding: 0 1; }
    DecisionView.-empty { color: $text-muted; text-style: italic; }
    """

    def __init__(
        self,
        placeholder: str = "Select a trade to see its entry decision.",
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(Content(placeholder), id=id, classes="-empty")
        self.placeholder = placeholder
        self.decision: DecisionRecord | None = None

    def show(
        self,
        decision: DecisionRecord | None,
        note: str = "",
        rules: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``decision``; ``rules``: each rule's text as the spec writes it."""
        self.decision = decision
        self.set_class(decision is None, "-empty")
        self.update(
            render_decision(decision, rules)
            if decision is not None
            else Content(note or self.placeholder)
        )


def render_decision(d: DecisionRecord, rules: Mapping[str, str] | None = None) -> Content:
    """The record as lines of styled text (wrapped by the widget)."""
    verdict = ("APPROVED", "bold $text-success") if d.approved else ("REJECTED", "bold $text-error")
    lines = [
        Content.assemble((f"{when(d.time_ns)} {d.symbol} {d.side}", "bold"), "  ", verdict),
        Content(" · ".join(part for part in (_conviction(d), _size(d)) if part)),
    ]
    team, regime = team_of(d), regime_of(d)
    lines.append(
        Content.assemble(
            _head("rule"), team.rule if team else (rules or {}).get(d.rule) or _rule_name(d)
        )
    )
    if regime is not None:
        conf = "" if regime.confidence is None else f" ({regime.confidence:.2f})"
        lines.append(
            Content.assemble(
                _head("regime"),
                (regime.regime + conf, "bold"),
                f" · {regime.reason}" if regime.reason else "",
            )
        )
    elif team is not None and team.regime:
        lines.append(Content.assemble(_head("regime"), (team.regime, "bold")))
    if team is not None:
        lines += _team_lines(team)
    elif regime is None:
        lines.append(
            Content.styled(
                "No regime filter or agent team: the rule alone decided.", "$text-muted italic"
            )
        )
    if d.reasons:
        lines.append(Content.assemble(_head("why"), d.reasons[-1]))
    if d.orders:
        lines.append(Content.assemble(_head("orders"), ", ".join(d.orders)))
    return Content("\n").join(lines)


def _conviction(d: DecisionRecord) -> str:
    team = team_of(d)
    if team is not None:
        return f"conviction {team.conviction} (min {team.min_conviction})"
    return "" if d.conviction is None else f"conviction {d.conviction:g}"


def _size(d: DecisionRecord) -> str:
    if not d.approved:
        return "no order"
    team = team_of(d)
    factor = f" (x{team.size_factor:.2f} of the spec's size)" if team is not None else ""
    return f"qty {d.qty:,.6g}{factor or ' (the spec' + chr(39) + 's full size)'}"


def _rule_name(d: DecisionRecord) -> str:
    return d.rule.replace("_", " ")


def _team_lines(team: TeamDecision) -> list[Content]:
    lines = [Content.styled("agents", "bold $text-primary")]
    for o in team.opinions:
        source = "" if o.source == "deterministic" else f" [{o.source}]"
        lines.append(
            Content.assemble(
                f"  {o.agent:<13}",
                (f"{o.stance:<8}", _STANCE.get(o.stance, "")),
                (f"{round(o.score) or 0:+4d}", "bold"),
                source,
            )
        )
        lines.append(Content.styled(f"    {o.rationale}", "$text-muted"))
    if team.debate:
        lines.append(Content.styled("debate", "bold $text-primary"))
        for t in team.debate:
            style = "$text-success" if t.speaker == "bull" else "$text-error"
            lines.append(
                Content.assemble(
                    f"  r{t.round} ",
                    (f"{t.speaker:<4}", style),
                    f" ({t.strength:.0f}) ",
                    t.argument,
                )
            )
    risk = team.risk
    lines.append(
        Content.assemble(
            _head("risk"),
            (risk.action, _RISK.get(risk.action, "")),
            f" x{risk.size_factor:.2f} · " + "; ".join(risk.reasons),
        )
    )
    for hit in team.lessons:
        lines.append(Content.assemble(_head("lesson"), f"({hit.points:+.1f}) {hit.reflection}"))
    if team.degraded:
        lines += [Content.assemble(_head("degraded"), why) for why in team.degraded_why]
    if team.usage.answered_by:
        lines.append(Content.assemble(_head("model"), ", ".join(team.usage.answered_by)))
    return lines
