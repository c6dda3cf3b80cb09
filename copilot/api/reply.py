"""A support agent's reply to a customer: only on a hand-off the agent has taken, never citing an agent-only
procedure, and through the output filters again (grounded on the suggestion it was edited from)."""

from __future__ import annotations

from copilot.agent.composer import cited
from copilot.api.access import assigned_handoffs
from copilot.api.auth import Principal
from copilot.api.errors import ApiError
from copilot.api.history import user_messages
from copilot.api.release import compliance_dict, evidence, release
from copilot.api.suggest import scratch_of
from copilot.api.telemetry import observe_reply
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Message, TurnTrace


def _sections(runtime: Runtime, handles: list[str]) -> list[str]:
    """The texts of the cited sections; 422 when one is agent-only (or unknown): customers cannot open it."""
    texts, hidden = [], []
    for handle in handles:
        section = runtime.retriever.get_section(handle, audience="customer")
        if section is None:
            hidden.append(handle)
        else:
            texts.append(section.text)
    if hidden:
        raise ApiError(422, "agent_only_citation", f"the reply cites {', '.join(hidden)}, which customers cannot open "
                                                   "(agent-only or unknown); remove it or cite a customer document")
    return texts


def _suggestion_text(session, conversation: Conversation, suggestion_id: int | None) -> list[str]:
    if suggestion_id is None:
        return []
    scratch = scratch_of(session, conversation)
    trace = session.get(TurnTrace, suggestion_id)
    if scratch is None or trace is None or trace.conversation_id != scratch.id:
        raise ApiError(404, "not_found", f"no suggestion {suggestion_id} for this conversation")
    return [trace.trace.get("answer", "")]


def send_reply(runtime: Runtime, agent: Principal, conversation: Conversation, text: str,
               suggestion_id: int | None) -> dict:
    """Filter, audit and post the reply; 409 without a taken hand-off, 422 when the filters block it."""
    now = runtime.settings.now()
    handles = cited(text)
    chunks = _sections(runtime, handles)
    with runtime.db.session() as session:
        if not assigned_handoffs(session, agent, conversation.customer_id, conversation.id):
            raise ApiError(409, "handoff_not_taken", "take this conversation's hand-off before replying")
        proof = evidence(session, conversation.customer_id, now,
                         tool_results=_suggestion_text(session, conversation, suggestion_id), kb_chunks=chunks,
                         customer_messages=[m.content for m in user_messages(session, conversation.id)],
                         citations=handles, flags=(conversation.state or {}).get("flags", []))
        decision = release(session, text, proof, principal=agent, customer_id=conversation.customer_id,
                           conversation_id=conversation.id, now=now)
        message = None
        if not decision.blocked:
            message = Message(conversation_id=conversation.id, role="agent", author=agent.actor,
                              content=decision.text, route="answer", created_at=now)
            session.add(message)
            session.get(Conversation, conversation.id).updated_at = now
            session.flush()
    observe_reply(decision.trace())
    if decision.blocked:
        raise ApiError(422, "reply_blocked", decision.message or "the compliance filters blocked this reply",
                       compliance=compliance_dict(decision))
    return {"message_id": message.id, "text": decision.text, "edited_by_filters": decision.text != text,
            "compliance": compliance_dict(decision)}
