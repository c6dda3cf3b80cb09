"""Reading conversations back: the conversation row, its messages (with each answer's citations and charts), with
the PII placeholders they are stored with restored for the reader (Viewer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.compliance.vault import PLACEHOLDER, PiiVault, open_vault
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Message, TurnTrace

PAGE = 200


@dataclass(frozen=True)
class Viewer:
    """Who reads a conversation: its customer (their own words back exactly, the rest in masked form) or a support
    agent (masked forms only, nothing counted as the reader's own: never a raw value)."""

    vault: PiiVault
    customer: bool

    def shown(self, text: str, *, own_words: bool = False) -> str:
        return self.vault.restore(text, reveal=self.customer and own_words, strict=not self.customer)


def viewer(runtime: Runtime, conversation_id: str, *, customer: bool) -> Viewer:
    return Viewer(open_vault(runtime.db, runtime.settings, conversation_id), customer)


def conversation_dict(conversation: Conversation, reader: Viewer | None = None) -> dict:
    title = reader.shown(conversation.title) if reader else conversation.title
    return {"id": conversation.id, "customer_id": conversation.customer_id, "channel": conversation.channel,
            "status": conversation.status, "title": title, "created_at": conversation.created_at,
            "updated_at": conversation.updated_at}


def listed(runtime: Runtime, conversation: Conversation) -> dict:
    """A row of the customer's conversation list (the vault is read only for a title that holds a placeholder)."""
    has_pii = PLACEHOLDER.search(conversation.title or "")
    return conversation_dict(conversation, viewer(runtime, conversation.id, customer=True) if has_pii else None)


def messages(session: Session, conversation_id: str, reader: Viewer, after: int = 0, limit: int = PAGE) -> list[dict]:
    """Messages after the given id, oldest first, as `reader` may see them; assistant answers carry the citations,
    charts and tool names (with their status, never their results) of their turn."""
    rows = list(session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
                                .order_by(Message.id).limit(limit)))
    answers = [m.id for m in rows if m.role == "assistant"]
    traces = {t.assistant_message_id: t.trace for t in session.scalars(
        select(TurnTrace).where(TurnTrace.assistant_message_id.in_(answers)))} if answers else {}
    out = []
    for message in rows:
        trace = traces.get(message.id) or {}
        content = reader.shown(message.content, own_words=message.role == "user")
        out.append({"id": message.id, "role": message.role, "author": _author(message), "content": content,
                    "route": message.route, "created_at": message.created_at,
                    "citations": trace.get("citations", []), "ui": trace.get("ui", []),
                    "tools": [{"name": t.get("name"), "status": t.get("status")} for t in trace.get("tools", [])]})
    return out


def _author(message: Message) -> str:
    """Who wrote it, as anyone may see it (a support agent's internal id stays internal)."""
    return {"user": "customer", "assistant": "copilot", "agent": "support agent", "system": "bank"}.get(message.role,
                                                                                                  message.role)


def user_messages(session: Session, conversation_id: str) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                      Message.role == "user").order_by(Message.id)))
