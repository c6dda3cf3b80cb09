"""Support-agent assist panel: hand-off queue, take and close, live conversation, customer summary, suggested
reply, sending a reply, and the turn traces. Every view of customer data is authorized and audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select, update
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from copilot import audit, consent
from copilot.api import views
from copilot.api.access import OPEN, agent_conversation, authorize_view
from copilot.api.auth import Principal
from copilot.api.deps import (ASSIST_CHANNEL, AgentDep, ApiSettingsDep, CopilotDep, FanoutDep, IdPath, RuntimeDep,
                              TurnsDep)
from copilot.api.errors import ApiError
from copilot.api.history import conversation_dict, messages, viewer
from copilot.api.live import announce_handoff, announce_message, handoff_events
from copilot.api.reply import send_reply
from copilot.api.schemas import ReplyIn
from copilot.api.suggest import suggest
from copilot.compliance.untrusted import untrusted
from copilot.compliance.vault import redact
from copilot.store.models import Conversation, Customer, Handoff, Message, TurnTrace

router = APIRouter(prefix="/api/assist", tags=["assist"])
HandoffId = Annotated[int, Path(ge=1, le=2**62)]


def handoff_dict(runtime, handoff: Handoff, customer: Customer, agent: Principal) -> dict:
    """A hand-off as this agent may see it: in full once they have taken it (PII in masked form), else a queue entry
    whose reason names only the kinds of personal data in it and whose customer is a first name and an initial."""
    mine = handoff.status == "assigned" and handoff.agent_id == agent.subject
    reason = untrusted(handoff.reason)
    if mine:
        reason = viewer(runtime, handoff.conversation_id, customer=False).shown(reason)
    first, _, rest = customer.name.partition(" ")
    return {"id": handoff.id, "conversation_id": handoff.conversation_id, "customer_id": handoff.customer_id,
            "customer_name": customer.name if mine or not rest else f"{first} {rest[:1]}.",
            "reason": reason if mine else redact(reason), "details": mine, "priority": handoff.priority,
            "status": handoff.status, "agent_id": handoff.agent_id, "created_at": handoff.created_at}


@router.get("/handoffs", summary="The hand-off queue (high priority first, then oldest); details only on your own")
def queue(agent: AgentDep, runtime: RuntimeDep, status: str = Query("open", pattern="^(open|all)$")) -> list[dict]:
    now = runtime.settings.now()
    with runtime.db.session() as session:
        query = (select(Handoff, Customer).join(Customer, Handoff.customer_id == Customer.id)
                 .join(Conversation, Handoff.conversation_id == Conversation.id)
                 .where(Conversation.channel != ASSIST_CHANNEL))
        if status == "open":
            query = query.where(Handoff.status.in_(OPEN))
        rows = list(session.execute(query.order_by((Handoff.priority != "high"), Handoff.created_at, Handoff.id)
                                    .limit(200)))
    out = [handoff_dict(runtime, h, c, agent) for h, c in rows]
    with runtime.db.session() as session:
        for entry in out:                          # each customer's entry shown is a view of that customer's data
            audit.record(session, at=now, actor=agent.actor, role=agent.role, kind="view", name="assist.queue_entry",
                         decision="allowed", customer_id=entry["customer_id"], conversation_id=entry["conversation_id"],
                         detail={"handoff_id": entry["id"], "shown": "details" if entry["details"] else "masked"})
        audit.record(session, at=now, actor=agent.actor, role=agent.role, kind="view", name="assist.queue",
                     decision="allowed", summary=f"{len(out)} hand-offs")
    return out


def _set_status(runtime, agent, handoff_id: int, allowed_from: tuple[str, ...], status: str, note: str) -> dict:
    """Move a hand-off this agent may act on to `status` (idempotent), with a note in the customer's chat."""
    now = runtime.settings.now()
    with runtime.db.session() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise ApiError(404, "not_found", f"no hand-off {handoff_id}")
        mine = handoff.agent_id in (None, agent.subject)
        if handoff.status == status and handoff.agent_id == agent.subject:
            return handoff_dict(runtime, handoff, session.get(Customer, handoff.customer_id), agent)
        if handoff.status not in allowed_from or not mine:
            raise ApiError(409, "conflict", f"hand-off {handoff_id} is {handoff.status}"
                                            + ("" if mine else " with another agent"))
        claimed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == handoff.status)
                                  .values(status=status, agent_id=agent.subject, updated_at=now)).rowcount
        if claimed != 1:
            raise ApiError(409, "conflict", f"hand-off {handoff_id} was just changed by someone else; reload")
        conversation = session.get(Conversation, handoff.conversation_id)
        conversation.status, conversation.updated_at = ("handoff" if status == "assigned" else "open"), now
        session.add(Message(conversation_id=conversation.id, role="system", author=agent.actor, content=note,
                            created_at=now))
        audit.record(session, at=now, actor=agent.actor, role=agent.role, kind="action", name=f"handoff.{status}",
                     decision="executed", customer_id=handoff.customer_id, conversation_id=conversation.id)
        session.refresh(handoff)
        return handoff_dict(runtime, handoff, session.get(Customer, handoff.customer_id), agent)


@router.get("/handoffs/events", summary="Live stream of changes to the hand-off queue",
            response_class=EventSourceResponse,
            description="Server-sent events: `ready` once subscribed, then `handoff` (`conversation_id`, `change`: "
                        "customer_turn, assigned or closed; `handoff_id` when known) whenever any instance changes the "
                        "queue. Reload `GET /api/assist/handoffs` to see it (that read is the audited view).")
def queue_events(agent: AgentDep, fanout: FanoutDep, api: ApiSettingsDep) -> EventSourceResponse:
    return EventSourceResponse(handoff_events(fanout, api.live_check_seconds), ping=15)


@router.post("/handoffs/{handoff_id}/take", summary="Take a queued hand-off (409 if another agent has it)")
def take(handoff_id: HandoffId, agent: AgentDep, runtime: RuntimeDep, fanout: FanoutDep) -> dict:
    taken = _set_status(runtime, agent, handoff_id, ("queued",), "assigned",
                        "A member of our support team has joined the conversation.")
    announce_handoff(fanout, taken)
    return taken


@router.post("/handoffs/{handoff_id}/close", summary="Close a hand-off you have taken; the copilot takes over again")
def close(handoff_id: HandoffId, agent: AgentDep, runtime: RuntimeDep, fanout: FanoutDep) -> dict:
    closed = _set_status(runtime, agent, handoff_id, ("assigned",), "closed",
                         "Our support team member has left the conversation. The copilot is here if you need more.")
    announce_handoff(fanout, closed)
    return closed


@router.get("/conversations/{conversation_id}", summary="The live conversation (audited view)")
def conversation(conversation_id: IdPath, agent: AgentDep, runtime: RuntimeDep,
                 after: int = Query(0, ge=0, le=2**62)) -> dict:
    found = agent_conversation(runtime, agent, conversation_id, "assist.conversation")
    reader = viewer(runtime, found.id, customer=False)
    with runtime.db.session() as session:
        scopes = consent.current_state(session, found.customer_id, runtime.settings.now()).scopes
        return {"conversation": conversation_dict(session.get(Conversation, found.id), reader),
                "messages": messages(session, found.id, reader, after), "summary_shared": consent.agent_sees(scopes)}


@router.get("/conversations/{conversation_id}/traces", summary="The turn traces: tools, consent decisions, rule hits")
def traces(conversation_id: IdPath, agent: AgentDep, runtime: RuntimeDep) -> list[dict]:
    found = agent_conversation(runtime, agent, conversation_id, "assist.traces")
    with runtime.db.session() as session:
        rows = session.scalars(select(TurnTrace).where(TurnTrace.conversation_id == found.id).order_by(TurnTrace.id))
        return [{"id": t.id, "route": t.route, "latency_ms": t.latency_ms, "created_at": t.created_at,
                 "intent": t.trace.get("intent"), "tools": t.trace.get("tools", []),
                 "citations": t.trace.get("citations", []), "guard": t.trace.get("guard", {})} for t in rows]


@router.post("/conversations/{conversation_id}/suggestion", summary="The copilot's suggested reply, with citations "
             "and its compliance result")
async def suggestion(conversation_id: IdPath, agent: AgentDep, runtime: RuntimeDep, copilot: CopilotDep,
                     turns: TurnsDep) -> dict:
    found = await run_in_threadpool(agent_conversation, runtime, agent, conversation_id, "assist.suggestion")
    return await turns(suggest, runtime, copilot, agent, found)


@router.post("/conversations/{conversation_id}/reply", summary="Send an (edited) reply; it passes the filters again")
def reply(conversation_id: IdPath, body: ReplyIn, agent: AgentDep, runtime: RuntimeDep, fanout: FanoutDep) -> dict:
    found = agent_conversation(runtime, agent, conversation_id, "assist.reply")
    if len(body.text) > runtime.settings.max_message_chars:
        raise ApiError(422, "message_too_long", f"a reply may have at most {runtime.settings.max_message_chars} "
                                                "characters")
    sent = send_reply(runtime, agent, found, body.text, body.suggestion_id)
    announce_message(fanout, found.id)                 # committed: the customer's live stream, on any instance
    return sent


@router.get("/customers/{customer_id}/summary", summary="Consented customer summary (audited view)")
def summary(customer_id: IdPath, agent: AgentDep, runtime: RuntimeDep) -> dict:
    basis = authorize_view(runtime, agent, "assist.summary", customer_id)
    return {"basis": basis, **views.summary(runtime, customer_id, agent)}
