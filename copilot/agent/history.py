"""Conversation history for an LLM, newest first until the token budget is spent (tiktoken counts); an answer
that rested on data the customer no longer shares is withheld."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from sqlalchemy import select

from copilot.store import Database
from copilot.store.models import Message, TurnTrace
from copilot.tokens import count_tokens
from tools import REGISTRY

HISTORY_SHARE = 0.4      # of the context budget; the rest is system prompt, tools and tool results
MAX_MESSAGES = 40
WITHHELD = "[an earlier answer, withheld: it used data the customer no longer shares]"


def budgeted_history(db: Database, conversation_id: str, budget_tokens: int,
                     scopes: frozenset[str]) -> list[BaseMessage]:
    """The latest messages that fit in the history share of the budget, oldest first."""
    with db.session() as session:
        rows = session.execute(select(Message.id, Message.role, Message.content)
                               .where(Message.conversation_id == conversation_id)
                               .order_by(Message.id.desc()).limit(MAX_MESSAGES)).all()
        answers = [message_id for message_id, role, _ in rows if role != "user"]
        traces = dict(session.execute(select(TurnTrace.assistant_message_id, TurnTrace.trace)
                                      .where(TurnTrace.assistant_message_id.in_(answers))).all()) if answers else {}
    allowance, kept = int(budget_tokens * HISTORY_SHARE), []
    for message_id, role, content in rows:
        if role != "user" and not _still_shared(traces.get(message_id), scopes):
            content = WITHHELD
        cost = count_tokens(content) + 4
        if cost > allowance:
            break
        allowance -= cost
        kept.append(HumanMessage(content) if role == "user" else AIMessage(content))
    return kept[::-1]


def _still_shared(trace: dict | None, scopes: frozenset[str]) -> bool:
    """Every scope the answer's tool calls were allowed under is still granted."""
    used = {scope for call in (trace or {}).get("tools", []) if call.get("allowed") and call.get("name") in REGISTRY
            for scope in REGISTRY[call["name"]].scopes}
    return used <= scopes
