"""The copilot's suggested reply for a support agent: the customer's latest real question, answered by the copilot
as the agent (agent-audience knowledge, consent gate with `support:share`) in a scratch conversation.

The scratch ("assist") conversation keeps the suggestions' traces apart from the customer's chat and is never
shown to the customer. The turn is a rehearsal: its tools run and are audited, but nothing they change is kept
(no pending action, no hand-off).
"""

from __future__ import annotations

from sqlalchemy import select

from copilot.agent.loop import Copilot
from copilot.api.auth import Principal
from copilot.api.deps import ASSIST_CHANNEL
from copilot.api.history import user_messages, viewer
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Message, TurnTrace

PROCEDURES, PROCEDURE_POOL = 5, 10          # passages shown; candidates searched (agent-only procedures first)


def scratch_title(conversation_id: str) -> str:
    return f"assist:{conversation_id}"


def scratch_of(session, conversation: Conversation) -> Conversation | None:
    return session.scalar(select(Conversation).where(Conversation.customer_id == conversation.customer_id,
                                                     Conversation.channel == ASSIST_CHANNEL,
                                                     Conversation.title == scratch_title(conversation.id)))


def _question(session, conversation_id: str) -> Message | None:
    """The customer's latest message that was a question rather than a request for a person (else the latest)."""
    users = user_messages(session, conversation_id)
    handed = set(session.scalars(select(TurnTrace.user_message_id).where(TurnTrace.conversation_id == conversation_id,
                                                                         TurnTrace.route == "handoff")))
    questions = [m for m in users if m.id not in handed]
    return (questions or users or [None])[-1]


def _scratch(runtime: Runtime, copilot: Copilot, conversation: Conversation) -> str:
    """The scratch conversation for this chat, carrying the chat's dialogue state (so follow-ups resolve)."""
    with runtime.db.session() as session:
        scratch = scratch_of(session, conversation)
        if scratch is not None:
            scratch.state = dict(conversation.state or {})
            return scratch.id
    scratch_id = copilot.start(conversation.customer_id, channel=ASSIST_CHANNEL)
    with runtime.db.session() as session:
        scratch = session.get(Conversation, scratch_id)
        scratch.title, scratch.state = scratch_title(conversation.id), dict(conversation.state or {})
    return scratch_id


def citation_dict(runtime: Runtime, handle: str) -> dict:
    section = runtime.retriever.get_section(handle, audience="agent")
    return {"handle": handle, "title": section.title if section else handle,
            "section": section.section if section else "", "audience": section.audience if section else "unknown"}


def suggest(runtime: Runtime, copilot: Copilot, agent: Principal, conversation: Conversation) -> dict:
    """A suggested reply with its citations, compliance result and tool calls, plus passages to read (agent-only
    procedures first). When the answer needs data the customer does not share with support, there is no reply to
    suggest (the copilot's words would ask the agent to press Allow): `consent_request` says what is missing."""
    with runtime.db.session() as session:
        question = _question(session, conversation.id)
    if question is None:
        return {"suggestion_id": None, "question": None, "text": "", "route": None, "citations": [], "tools": [],
                "compliance": None, "proposed_action": None, "consent_request": None, "procedures": []}
    scratch_id = _scratch(runtime, copilot, conversation)
    result = copilot.send(scratch_id, question.content, actor=agent.actor, role="support_agent", rehearsal=True)
    output = (result.guard or {}).get("output") or {}
    reader = viewer(runtime, conversation.id, customer=False)
    found = runtime.retriever.search(question.content, audience="agent", k=PROCEDURE_POOL)
    procedures = sorted(found.hits, key=lambda hit: hit.audience != "agent")[:PROCEDURES]
    return {"suggestion_id": result.trace_id, "question": {"id": question.id, "content": reader.shown(question.content)},
            "text": "" if result.route == "consent_required" else reader.shown(result.answer),  # asks *them* to Allow
            "route": result.route,
            "citations": [citation_dict(runtime, handle) for handle in result.citations], "tools": result.tools,
            "compliance": {"verdict": output.get("verdict"), "rules": output.get("rules", []),
                           "escalate": output.get("escalate", False)},
            "proposed_action": result.pending_action, "consent_request": result.consent_request,
            "procedures": [{"handle": h.citation, "title": h.title, "section": h.section, "audience": h.audience,
                            "text": h.text} for h in procedures]}
