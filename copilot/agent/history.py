"""Conversation history for an LLM, newest first until the token budget is spent (tiktoken counts)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from sqlalchemy import select

from copilot.store import Database
from copilot.store.models import Message
from copilot.tokens import count_tokens

HISTORY_SHARE = 0.4      # of the context budget; the rest is system prompt, tools and tool results
MAX_MESSAGES = 40


def budgeted_history(db: Database, conversation_id: str, budget_tokens: int) -> list[BaseMessage]:
    """The latest messages that fit in the history share of the budget, oldest first."""
    with db.session() as session:
        rows = session.execute(select(Message.role, Message.content).where(Message.conversation_id == conversation_id)
                               .order_by(Message.id.desc()).limit(MAX_MESSAGES)).all()
    allowance, kept = int(budget_tokens * HISTORY_SHARE), []
    for role, content in rows:
        cost = count_tokens(content) + 4
        if cost > allowance:
            break
        allowance -= cost
        kept.append(HumanMessage(content) if role == "user" else AIMessage(content))
    return kept[::-1]
