"""Reading conversations back: the conversation row, its messages (with each answer's citations and charts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Conversation, Message, TurnTrace

PAGE = 200


def conversation_dict(conversation: Conversation) -> dict:
    return {"id": conversation.id, "customer_id": conversation.customer_id, "channel": conversation.channel,
            "status": conversation.status, "title": conversation.title, "created_at": conversation.created_at,
            "updated_at": conversation.updated_at}


def messages(session: Session, conversation_id: str, after: int = 0, limit: int = PAGE) -> list[dict]:
    """Messages after the given id, oldest first; assistant answers carry the citations and charts of their turn."""
    rows = list(session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
                                .order_by(Message.id).limit(limit)))
    answers = [m.id for m in rows if m.role == "assistant"]
    traces = {t.assistant_message_id: t.trace for t in session.scalars(
        select(TurnTrace).where(TurnTrace.assistant_message_id.in_(answers)))} if answers else {}
    out = []
    for message in rows:
        trace = traces.get(message.id) or {}
        out.append({"id": message.id, "role": message.role, "author": _author(message), "content": message.content,
                    "route": message.route, "created_at": message.created_at,
                    "citations": trace.get("citations", []), "ui": trace.get("ui", [])})
    return out


def _author(message: Message) -> str:
    """Who wrote it, as anyone may see it (a support agent's internal id stays internal)."""
    return {"user": "customer", "assistant": "copilot", "agent": "support agent", "system": "bank"}.get(message.role,
                                                                                                  message.role)


def user_messages(session: Session, conversation_id: str) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                      Message.role == "user").order_by(Message.id)))
