"""search_knowledge (the bank's policy and product knowledge base) and handoff_to_agent (queue for a human)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from copilot.context import KnowledgeUnavailable
from copilot.store.models import Conversation, Handoff
from tools.spec import Call, NotFound, ToolArgs, ToolError, tool
from tools.untrusted import customer_text

OPEN_HANDOFF = ("queued", "assigned")


class KnowledgeArgs(ToolArgs):
    query: str = Field(min_length=2, max_length=500, description="What to look up, in plain words.")
    k: int = Field(5, ge=1, le=10, description="How many passages to return.")


class HandoffArgs(ToolArgs):
    reason: customer_text(300) = Field(min_length=3, description="Why a human is needed, for the agent.")
    priority: Literal["normal", "high"] = Field("normal", description="high for fraud, distress or lost cards.")


@tool()
def search_knowledge(call: Call, args: KnowledgeArgs) -> dict:
    """Search the bank's knowledge base (product terms, fees, policies, how-tos) for passages to ground an answer.
    Each hit has a citation handle (doc-id#section) to cite. `answerable` is false when nothing relevant was
    found: then say you don't know rather than guess. Use it for questions about fees, rules, products, how
    disputes or card freezes work, and any policy."""
    if call.ctx.retriever is None:
        raise ToolError("the knowledge base is not available right now")
    audience = "agent" if call.ctx.role == "support_agent" else "customer"
    try:
        found = call.ctx.retriever.search(args.query, audience=audience, k=args.k, on=call.today)
    except KnowledgeUnavailable as exc:
        raise ToolError("the knowledge base is not available right now") from exc
    return {"query": found.query, "answerable": found.answerable, "audience": audience,
            "hits": [{"citation": hit.citation, "doc_id": hit.doc_id, "section": hit.section, "title": hit.title,
                      "text": hit.text, "score": round(hit.score, 4), "doc_type": hit.doc_type,
                      "version": hit.version, "effective_date": hit.effective_date.isoformat(),
                      "screened": hit.screened}
                     for hit in found.hits]}


def _conversation(call: Call, reason: str) -> Conversation:
    """The conversation to hand off: the context's own, or a new one for a hand-off made outside a chat."""
    ctx = call.ctx
    conversation = call.session.get(Conversation, ctx.conversation_id) if ctx.conversation_id else None
    if conversation is not None and conversation.customer_id != ctx.customer_id:
        raise NotFound(f"no conversation {ctx.conversation_id!r} for this customer")
    if conversation is None:
        conversation = Conversation(id=ctx.conversation_id or f"conv-{uuid.uuid4().hex[:12]}",
                                    customer_id=ctx.customer_id, channel=ctx.channel[:20], status="open",
                                    title=f"Hand-off: {reason}"[:200], state={}, created_at=ctx.now,
                                    updated_at=ctx.now)
        call.session.add(conversation)
        call.session.flush()
    return conversation


@tool()
def handoff_to_agent(call: Call, args: HandoffArgs) -> dict:
    """Pass the conversation to a human support agent: queues a hand-off with the reason and a priority and
    returns the place in the queue. Use it when the customer asks for a person, for complaints, hardship,
    bereavement, anything the tools cannot do, or when you are unsure."""
    conversation = _conversation(call, args.reason)
    handoff = call.session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id,
                                                        Handoff.status.in_(OPEN_HANDOFF)))
    created = handoff is None
    if created:
        handoff = Handoff(conversation_id=conversation.id, customer_id=call.ctx.customer_id, reason=args.reason,
                          priority=args.priority, status="queued", created_at=call.ctx.now, updated_at=call.ctx.now)
        call.session.add(handoff)
    conversation.status, conversation.updated_at = "handoff", call.ctx.now
    call.session.flush()
    queue = sorted(call.session.scalars(select(Handoff).where(Handoff.status == "queued")),
                   key=lambda h: (h.priority != "high", h.created_at, h.id))
    return {"handoff_id": handoff.id, "conversation_id": conversation.id, "status": handoff.status,
            "priority": handoff.priority, "position_in_queue": queue.index(handoff) + 1 if handoff in queue else None,
            "created": created}
