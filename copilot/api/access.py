"""Support-agent access: a customer's data only while they share it (`support:share`) or during a hand-off that
this agent has taken. A queued hand-off shows only a masked queue entry until it is taken. Every view, allowed or
refused, leaves an audit event naming the customer."""

from __future__ import annotations

from sqlalchemy import select

from copilot import audit
from copilot.api.auth import Principal
from copilot.api.deps import ASSIST_CHANNEL
from copilot.api.errors import ApiError
from copilot.consent import current_state
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Handoff

OPEN = ("queued", "assigned")


def assigned_handoffs(session, agent: Principal, customer_id: str, conversation_id: str | None = None) -> list[Handoff]:
    """Open hand-offs of this customer that this agent has taken."""
    query = select(Handoff).where(Handoff.customer_id == customer_id, Handoff.status == "assigned",
                                  Handoff.agent_id == agent.subject)
    if conversation_id:
        query = query.where(Handoff.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(Handoff.id)))


def authorize_view(runtime: Runtime, agent: Principal, view: str, customer_id: str,
                   conversation_id: str | None = None) -> str:
    """The basis for this view ("handoff:<id>" or "support:share"), audited; 403 (also audited) when there is none."""
    now = runtime.settings.now()
    with runtime.db.session() as session:
        handoffs = assigned_handoffs(session, agent, customer_id, conversation_id)
        basis = f"handoff:{handoffs[0].id}" if handoffs else None
        if basis is None and "support:share" in current_state(session, customer_id, now).scopes:
            basis = "support:share"
        audit.record(session, at=now, actor=agent.actor, role=agent.role, kind="view", name=view,
                     decision="allowed" if basis else "denied", customer_id=customer_id,
                     conversation_id=conversation_id, detail={"basis": basis})
    if basis is None:
        raise ApiError(403, "not_shared", "this customer has not shared their data with support: no support:share "
                                          "consent and no hand-off you have taken (take it from the queue first)")
    return basis


def agent_conversation(runtime: Runtime, agent: Principal, conversation_id: str, view: str) -> Conversation:
    """A customer conversation the agent may see (404 if there is none, 403 if not shared), the view audited."""
    with runtime.db.session() as session:
        conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.channel == ASSIST_CHANNEL:
        raise ApiError(404, "not_found", f"no conversation {conversation_id!r}")
    authorize_view(runtime, agent, view, conversation.customer_id, conversation.id)
    return conversation
