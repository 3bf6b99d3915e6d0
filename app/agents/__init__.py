"""The agent team (DESIGN.md section 5): analysts, a bull/bear debate, a risk manager and a
portfolio trader, each in a deterministic form and an LLM form.

Entry points: :class:`app.agents.team.AgentTeam` (decide one candidate),
:class:`app.agents.gate.AgentGate` (the team as a gate of the execution path) and
:mod:`app.agents.models` (every record). Nothing here imports ``anthropic`` until a team
runs in ``llm`` mode.
"""
