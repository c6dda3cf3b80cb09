"""run_tool: validate the arguments, pass the consent gate (fresh, fail closed), run a read or propose a write, audit.

The tool body never checks consent; this is the only door to a tool.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from copilot import consent
from copilot.context import ToolContext
from copilot.store.models import Customer
from tools.actions import propose
from tools.audited import Attempt, audited, needed_scopes, refused, validation_message
from tools.spec import REGISTRY, Call, OutOfWindow, ToolOutcome


def reject(ctx: ToolContext, name: str, args: dict, status: str, error: str) -> ToolOutcome:
    """A call refused before it runs (unknown tool, bad arguments, over a budget), audited like any other."""
    outcome = ToolOutcome(name=name, args=args, status=status, allowed=False, error=error)
    return audited(ctx, kind="tool_call", name=name, scopes=(), args=args, work=lambda _s, _a: outcome)


def run_tool(ctx: ToolContext, name: str, raw_args: dict[str, Any] | None) -> ToolOutcome:
    """Run one tool call for ctx.customer_id and return its outcome (never raises for a bad call)."""
    raw = raw_args if raw_args is not None else {}
    spec = REGISTRY.get(name)
    if spec is None:
        return reject(ctx, name, raw if isinstance(raw, dict) else {}, "not_found",
                         f"unknown tool {name!r}; available tools: {', '.join(REGISTRY)}")
    if not isinstance(raw, dict):
        return reject(ctx, name, {}, "invalid_args", f"arguments must be a JSON object, got {type(raw).__name__}")
    try:
        args = spec.args_model.model_validate(raw)
    except ValidationError as exc:
        return reject(ctx, name, raw, "invalid_args", validation_message(exc))
    dumped = args.model_dump(mode="json", exclude_none=True)
    scopes = needed_scopes(ctx, spec, args)

    def work(session: Session, attempt: Attempt) -> ToolOutcome:
        if session.get(Customer, ctx.customer_id) is None:
            return ToolOutcome(name=name, args=dumped, status="not_found", allowed=False,
                               error=f"unknown customer {ctx.customer_id!r}")
        state, refusal = consent.evaluate(session, ctx.customer_id, scopes, ctx.now)
        if refusal:
            return refused(name, dumped, refusal)
        attempt.allowed = True
        call = Call(ctx, session, state)
        if spec.writes:
            return propose(call, spec, args, attempt)
        try:
            result = spec.func(call, args)
        except OutOfWindow as exc:
            attempt.allowed = False
            return refused(name, dumped, consent.out_of_window(ctx.customer_id, exc.visible_from))
        return ToolOutcome(name=name, args=dumped, status="ok", allowed=True, result=result)

    return audited(ctx, kind="tool_call", name=name, scopes=scopes, args=dumped, work=work,
                   attempts=2 if spec.writes else 1)


def check_consent(ctx: ToolContext, name: str) -> ToolOutcome | None:
    """The consent gate alone, before a call can be completed (e.g. which card?): an audited refusal, or None."""
    spec = REGISTRY[name]
    scopes = needed_scopes(ctx, spec, None) if spec.scopes_for is None else spec.scopes
    with ctx.db.session() as session:
        _, refusal = consent.evaluate(session, ctx.customer_id, scopes, ctx.now)
    if refusal is None:
        return None
    return audited(ctx, kind="tool_call", name=name, scopes=scopes, args={},
                   work=lambda _session, _attempt: refused(name, {}, refusal))
