"""Audit trail: one append-only event per tool call, consent change, guard/filter decision and agent view."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from copilot.store.models import AuditEvent


def digest(value: Any) -> str:
    """Stable SHA-256 of a JSON-able value (arguments are audited by digest, not stored in clear)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def record(session: Session, *, at, actor: str, role: str, kind: str, name: str, decision: str,
           customer_id: str | None = None, conversation_id: str | None = None, scopes: list[str] | None = None,
           args: Any = None, summary: str = "", latency_ms: float | None = None,
           detail: dict[str, Any] | None = None) -> AuditEvent:
    event = AuditEvent(at=at, actor=actor, role=role, kind=kind, name=name, decision=decision,
                       customer_id=customer_id, conversation_id=conversation_id, scopes=list(scopes or []),
                       args_digest=digest(args) if args is not None else None, summary=summary[:2000],
                       latency_ms=latency_ms, detail=detail or {})
    session.add(event)
    return event
