"""Conversations: the customer's list, one conversation's history, and its live stream of new messages (a support
agent's reply arrives there from whichever instance wrote it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from sqlalchemy import select
from sse_starlette import EventSourceResponse

from copilot.api.deps import (ASSIST_CHANNEL, ApiSettingsDep, CustomerDep, FanoutDep, OwnConversation, RuntimeDep,
                              tool_context)
from copilot.api.history import conversation_dict, listed, messages, viewer
from copilot.api.live import conversation_events
from copilot.api.schemas import ConversationOut, HistoryOut
from copilot.store.models import Conversation
from tools import open_pending_actions

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


@router.get("", response_model=list[ConversationOut], summary="My conversations, most recent first")
def list_conversations(principal: CustomerDep, runtime: RuntimeDep,
                       limit: int = Query(50, ge=1, le=200)) -> list[dict]:
    with runtime.db.session() as session:
        rows = session.scalars(select(Conversation).where(Conversation.customer_id == principal.subject,
                                                          Conversation.channel != ASSIST_CHANNEL)
                               .order_by(Conversation.updated_at.desc(), Conversation.id).limit(limit))
        return [listed(runtime, c) for c in rows]


@router.get("/{conversation_id}", response_model=HistoryOut, summary="A conversation's messages and pending actions")
def history(conversation: OwnConversation, principal: CustomerDep, runtime: RuntimeDep,
            after: int = Query(0, ge=0, le=2**62, description="Only messages with a larger id (for polling)")) -> dict:
    pending = open_pending_actions(tool_context(runtime, principal, conversation.id))
    reader = viewer(runtime, conversation.id, customer=True)
    with runtime.db.session() as session:
        current = session.get(Conversation, conversation.id)
        return {"conversation": conversation_dict(current, reader),
                "messages": messages(session, conversation.id, reader, after),
                "pending_actions": pending}


@router.get("/{conversation_id}/events", summary="Live stream of the conversation's new messages",
            response_class=EventSourceResponse,
            description="Server-sent `message` events (the same objects as the history's `messages`, `id:` = message "
                        "id), for every message after `after` or the `Last-Event-ID` header: support-agent replies, "
                        "the bank's notes, and turns sent from elsewhere. The stream stays open.")
def events(conversation: OwnConversation, runtime: RuntimeDep, fanout: FanoutDep, api: ApiSettingsDep,
           after: int = Query(0, ge=0, le=2**62, description="Only messages with a larger id"),
           last_event_id: Annotated[str | None, Header(max_length=20, pattern=r"^\d*$")] = None) -> EventSourceResponse:
    start = max(after, int(last_event_id or 0))
    return EventSourceResponse(conversation_events(runtime, fanout, conversation.id, start, api.live_check_seconds),
                               ping=15)
