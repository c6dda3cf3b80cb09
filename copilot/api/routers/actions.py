"""Pending actions: the Confirm and Cancel buttons, exactly once (a repeated press replays the first result), with the
one-time code a risky action asks for; in demo mode, the customer's phone screen that shows that code."""

from __future__ import annotations

from fastapi import APIRouter

from copilot.agent.composer import confirmation
from copilot.agent.state import load_profile
from copilot.api.deps import CustomerDep, IdPath, RuntimeDep, tool_context
from copilot.api.errors import ApiError
from copilot.api.release import evidence, release
from copilot.api.schemas import ActionResult, ConfirmIn, PhoneScreen, ProposeIn
from copilot.store.models import Conversation, Message, PendingAction
from tools import ToolOutcome, cancel_action, confirm_action, run_tool, stepup

router = APIRouter(prefix="/api/actions", tags=["actions"])
REFUSALS = {"consent_required": (403, "consent_required"), "step_up_required": (403, "step_up_required"),
            "not_found": (404, "not_found"), "invalid_args": (409, "conflict"), "error": (409, "conflict")}


def _own_action(runtime, action_id: str, customer_id: str) -> PendingAction:
    with runtime.db.session() as session:
        action = session.get(PendingAction, action_id)
    if action is None or action.customer_id != customer_id:
        raise ApiError(404, "not_found", f"no pending action {action_id!r}")
    return action


def _answer(runtime, principal, action: PendingAction, outcome: ToolOutcome) -> dict:
    """The result for the page; the first time, the filtered reply also joins the conversation."""
    if outcome.status != "ok":
        status, code = REFUSALS.get(outcome.status, (409, "conflict"))
        raise ApiError(status, code, outcome.error or outcome.status, consent=outcome.consent,
                       action=outcome.pending_action)
    now = runtime.settings.now()
    with runtime.db.session() as session:
        draft = confirmation(outcome, load_profile(session, action.customer_id))
        proof = evidence(session, action.customer_id, now, tool_results=[outcome.result, outcome.pending_action])
        decision = release(session, draft, proof, principal=principal, customer_id=action.customer_id,
                           conversation_id=action.conversation_id, now=now)
        text = decision.message if decision.blocked else decision.text
        conversation = session.get(Conversation, action.conversation_id) if action.conversation_id else None
        if conversation is not None and not outcome.replayed:
            session.add(Message(conversation_id=conversation.id, role="system", author=principal.actor, content=text,
                                route="answer", created_at=now))
            conversation.updated_at = now
    return {"action": outcome.pending_action, "status": outcome.pending_action["status"], "result": outcome.result,
            "replayed": outcome.replayed, "message": text}


@router.post("", status_code=201, summary="Propose an alert's next step (the Freeze and Dispute buttons); like "
             "any write it waits for Confirm")
def propose(body: ProposeIn, principal: CustomerDep, runtime: RuntimeDep) -> dict:
    if body.conversation_id is not None:
        with runtime.db.session() as session:
            conversation = session.get(Conversation, body.conversation_id)
        if conversation is None or conversation.customer_id != principal.subject:
            raise ApiError(404, "not_found", f"no conversation {body.conversation_id!r}")
    outcome = run_tool(tool_context(runtime, principal, body.conversation_id), body.tool, body.args)
    if outcome.status != "confirm":
        status, code = REFUSALS.get(outcome.status, (409, "conflict"))
        raise ApiError(status, code, outcome.error or (outcome.result or {}).get("message") or outcome.status,
                       consent=outcome.consent)
    return outcome.pending_action


@router.post("/{action_id}/confirm", response_model=ActionResult, summary="Carry out a pending action (once); a "
             "risky one needs the one-time code from the customer's phone")
def confirm(action_id: IdPath, principal: CustomerDep, runtime: RuntimeDep, body: ConfirmIn | None = None) -> dict:
    action = _own_action(runtime, action_id, principal.subject)
    ctx = tool_context(runtime, principal, action.conversation_id)
    outcome = stepup.confirm_with_code(ctx, action_id, body.code) if body and body.code else \
        confirm_action(ctx, action_id)
    return _answer(runtime, principal, action, outcome)


@router.get("/step-up/phone", response_model=PhoneScreen, summary="Demo mode only: what the customer's phone shows "
            "now (the one-time code); a real deployment has no such endpoint")
def phone(principal: CustomerDep, runtime: RuntimeDep) -> dict:
    if not runtime.settings.demo_mode:
        raise ApiError(404, "not_found", "the demo phone exists only in demo mode")
    try:
        return stepup.phone_screen(tool_context(runtime, principal))
    except LookupError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.post("/{action_id}/cancel", response_model=ActionResult, summary="Cancel a pending action")
def cancel(action_id: IdPath, principal: CustomerDep, runtime: RuntimeDep) -> dict:
    action = _own_action(runtime, action_id, principal.subject)
    outcome = cancel_action(tool_context(runtime, principal, action.conversation_id), action_id)
    return _answer(runtime, principal, action, outcome)
