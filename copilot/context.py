"""The typed context a tool call runs in (who, for whom, when, with what), and the knowledge-retriever protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from copilot.config import Settings
    from copilot.store import Database


class KnowledgeHit(BaseModel):
    """One retrieved knowledge-base chunk with its citation handle (`doc-id#section`)."""

    doc_id: str
    section: str
    citation: str
    title: str
    text: str
    score: float
    doc_type: str
    version: str
    effective_date: date
    audience: str
    screened: bool = False          # found free of instructions at ingest, under the policy in force (knowledge.screening)


class KnowledgeResult(BaseModel):
    query: str
    hits: list[KnowledgeHit]
    answerable: bool            # False when nothing cleared the relevance threshold: say "I don't know"


class KnowledgeUnavailable(RuntimeError):
    """The knowledge index cannot be searched right now (missing server, foreign collection, ...)."""


class Retriever(Protocol):
    def search(self, query: str, *, audience: str = "customer", k: int = 5, jurisdiction: str | None = None,
               on: date | None = None) -> KnowledgeResult: ...


@dataclass
class ToolContext:
    """Everything a tool may use; the tool body never checks consent (the runner does, before the call)."""

    db: Database
    settings: Settings
    customer_id: str
    actor: str                       # "customer:demo-debt", "agent:alice", "system:eval"
    role: str                        # customer | support_agent | admin | system
    now: datetime
    conversation_id: str | None = None
    retriever: Retriever | None = None
    channel: str = "chat"
    rehearsal: bool = False          # a suggestion for a support agent: tools run and are audited, nothing is kept
