"""Exactly one route per turn (DESIGN.md §4.3), from what actually happened: tool outcomes first, then the plan."""

from __future__ import annotations

from copilot.agent.turn import TurnContext


def decide_route(turn: TurnContext, answer: str = "") -> str:
    statuses = {o.status for o in turn.outcomes}
    if "consent_required" in statuses:
        return "consent_required"
    if statuses & {"confirm", "step_up_required"}:
        return "confirm"
    if turn.handed_off:
        return "handoff"
    if turn.plan is not None:
        return turn.plan.route if turn.plan.route != "handoff" else "answer"
    if not turn.outcomes and answer.rstrip().endswith("?"):
        return "clarify"
    return "decline" if turn.hint == "decline" and not turn.outcomes else "answer"
