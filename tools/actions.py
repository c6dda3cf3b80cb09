"""Pending write actions: propose on the first call, execute exactly once on confirmation, cancel, list.

Exactly once: confirmation claims the row with a conditional UPDATE (pending -> executed) as its first statement
and applies the effect in the same transaction; a concurrent or retried confirmation finds it claimed and
answers with the recorded result. While an action is pending its idempotency key is `open:<digest of customer,
conversation, tool, args>`, so the same request proposed twice yields one action; once settled the key becomes
`done:<id>`, so the same request may be made again later.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot import consent
from copilot.audit import digest
from copilot.context import ToolContext
from copilot.store.models import PendingAction
from tools.audited import Abort, Attempt, audited, needed_scopes, refused
from tools.spec import REGISTRY, Call, NoChange, ToolError, ToolOutcome, ToolSpec

PENDING_TTL = timedelta(minutes=30)


def action_dict(action: PendingAction) -> dict[str, Any]:
    return {"id": action.id, "tool": action.tool, "summary": action.summary, "args": action.args,
            "requires_step_up": action.requires_step_up, "expires_at": action.expires_at.isoformat(),
            "status": action.status}


def _open_key(ctx: ToolContext, tool: str, args: dict) -> str:
    return "open:" + digest([ctx.customer_id, ctx.conversation_id, tool, args])[:40]


def _settle(action: PendingAction, status: str, ctx: ToolContext) -> None:
    action.status, action.decided_at, action.idempotency_key = status, ctx.now, f"done:{action.id}"


def propose(call: Call, spec: ToolSpec, args: Any, attempt: Attempt) -> ToolOutcome:
    """First call of a write: a pending action with a plain summary (or an immediate answer if nothing would change)."""
    ctx, session = call.ctx, call.session
    dumped = args.model_dump(mode="json", exclude_none=True)
    plan = spec.prepare(call, args)
    if isinstance(plan, NoChange):
        return ToolOutcome(name=spec.name, args=dumped, status="ok", allowed=True, result=plan.result)
    key = _open_key(ctx, spec.name, plan.args)
    action = session.scalar(select(PendingAction).where(PendingAction.idempotency_key == key))
    if action is not None and action.expires_at <= ctx.now:
        _settle(action, "expired", ctx)
        session.flush()
        action = None
    if action is None:
        action = PendingAction(id=f"act-{uuid.uuid4().hex[:12]}", customer_id=ctx.customer_id,
                               conversation_id=ctx.conversation_id, tool=spec.name, args=plan.args,
                               summary=plan.summary[:400], status="pending", idempotency_key=key,
                               requires_step_up=plan.requires_step_up, created_at=ctx.now,
                               expires_at=ctx.now + PENDING_TTL)
        session.add(action)
        session.flush()
    attempt.action_id = action.id
    return ToolOutcome(name=spec.name, args=dumped, status="confirm", allowed=True, pending_action=action_dict(action))


def _claim(session: Session, ctx: ToolContext, action_id: str, status: str) -> bool:
    """Atomically move a live pending action to `status`; False when it was not pending (or had expired)."""
    result = session.execute(
        update(PendingAction)
        .where(PendingAction.id == action_id, PendingAction.customer_id == ctx.customer_id,
               PendingAction.status == "pending", PendingAction.expires_at > ctx.now)
        .values(status=status, decided_at=ctx.now, idempotency_key=f"done:{action_id}")
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _load(session: Session, ctx: ToolContext, action_id: str) -> PendingAction:
    action = session.get(PendingAction, action_id)
    if action is None or action.customer_id != ctx.customer_id:
        raise Abort(ToolOutcome(name="pending_action", args={"action_id": action_id}, status="not_found",
                                allowed=False, error=f"no pending action {action_id!r} for this customer"))
    return action


def _already_settled(action: PendingAction, ctx: ToolContext, attempt: Attempt, verb: str) -> ToolOutcome:
    """The answer for an action that is no longer pending: a replay of its recorded result, or why not."""
    if action.status == "pending":                 # not claimable although pending: it has expired
        _settle(action, "expired", ctx)
    base = dict(name=action.tool, args=action.args, pending_action=action_dict(action))
    replay = action.status == "executed" if verb == "confirm" else action.status in ("cancelled", "expired")
    attempt.decision = "replayed" if replay else f"already_{action.status}"
    if replay and verb == "confirm":
        return ToolOutcome(**base, status="ok", allowed=True, result=action.result, replayed=True)
    if replay:
        return ToolOutcome(**base, status="ok", allowed=True, result={"cancelled": True}, replayed=True)
    reasons = {"executed": "it was already carried out and can no longer be cancelled",
               "cancelled": "it was cancelled", "expired": "it expired before it was confirmed; ask again",
               "failed": f"it failed: {(action.result or {}).get('error', 'unknown error')}"}
    return ToolOutcome(**base, status="error", allowed=False, error=f"cannot {verb} {action.id}: {reasons[action.status]}")


def _mark_failed(action_id: str, ctx: ToolContext, error: str):
    def after(session: Session) -> None:
        session.execute(update(PendingAction).where(PendingAction.id == action_id)
                        .values(status="failed", decided_at=ctx.now, idempotency_key=f"done:{action_id}",
                                result={"error": error}).execution_options(synchronize_session=False))
    return after


def confirm_action(ctx: ToolContext, action_id: str, *, step_up_verified: bool = False) -> ToolOutcome:
    """Execute a pending write exactly once, after re-checking consent (and step-up, when the action needs it)."""

    def work(session: Session, attempt: Attempt) -> ToolOutcome:
        attempt.action_id = action_id
        claimed = _claim(session, ctx, action_id, "executed")
        action = _load(session, ctx, action_id)
        spec = REGISTRY[action.tool]
        attempt.name = action.tool
        if not claimed:
            return _already_settled(action, ctx, attempt, "confirm")
        args = spec.args_model.model_validate(action.args)
        pending = action_dict(action) | {"status": "pending"}
        if action.requires_step_up and not step_up_verified:
            raise Abort(ToolOutcome(name=spec.name, args=action.args, status="step_up_required", allowed=True,
                                    pending_action=pending,
                                    error="this action needs a step-up check (one-time code or app approval) "
                                          "before it can run"))
        attempt.scopes = needed_scopes(ctx, spec, args)
        state, refusal = consent.evaluate(session, ctx.customer_id, attempt.scopes, ctx.now)
        if refusal:
            raise Abort(refused(spec.name, action.args, refusal).model_copy(update={"pending_action": pending}))
        attempt.allowed, attempt.decision = True, "executed"
        try:
            result = spec.func(Call(ctx, session, state), args)
        except ToolError as exc:
            raise Abort(ToolOutcome(name=spec.name, args=action.args, status=exc.status, allowed=True,
                                    error=str(exc), pending_action=action_dict(action) | {"status": "failed"}),
                        decision="failed", after=_mark_failed(action_id, ctx, str(exc))) from exc
        action.result = result
        return ToolOutcome(name=spec.name, args=action.args, status="ok", allowed=True, result=result,
                           pending_action=action_dict(action))

    return audited(ctx, kind="action", name="confirm_action", scopes=(), args={"action_id": action_id}, work=work)


def cancel_action(ctx: ToolContext, action_id: str) -> ToolOutcome:
    """Cancel a pending write; cancelling twice is a no-op, cancelling a carried-out action is refused."""

    def work(session: Session, attempt: Attempt) -> ToolOutcome:
        attempt.action_id = action_id
        claimed = _claim(session, ctx, action_id, "cancelled")
        action = _load(session, ctx, action_id)
        attempt.name = action.tool
        if not claimed:
            return _already_settled(action, ctx, attempt, "cancel")
        attempt.decision = "cancelled"
        return ToolOutcome(name=action.tool, args=action.args, status="ok", allowed=True,
                           result={"cancelled": True, "summary": action.summary}, pending_action=action_dict(action))

    return audited(ctx, kind="action", name="cancel_action", scopes=(), args={"action_id": action_id}, work=work)


def open_pending_actions(ctx: ToolContext) -> list[dict[str, Any]]:
    """Live pending actions of this customer (of this conversation, when the context has one), oldest first."""
    query = select(PendingAction).where(PendingAction.customer_id == ctx.customer_id,
                                        PendingAction.status == "pending", PendingAction.expires_at > ctx.now)
    if ctx.conversation_id:
        query = query.where(PendingAction.conversation_id == ctx.conversation_id)
    with ctx.db.session() as session:
        return [action_dict(action) for action in session.scalars(query.order_by(PendingAction.created_at))]
