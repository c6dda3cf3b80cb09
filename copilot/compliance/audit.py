"""Writes compliance decisions to the audit log (copilot.audit): rule ids, actions, digests, never the text itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from copilot.audit import record
from copilot.compliance.types import Decision
from copilot.store.models import AuditEvent


def audit_decision(session: Session, decision: Decision, *, at: datetime, actor: str, role: str,
                   customer_id: str | None = None, conversation_id: str | None = None,
                   latency_ms: float | None = None) -> AuditEvent:
    """One audit event per guard/filter decision; `detail` is Decision.trace() (also what the turn trace keeps)."""
    kind = "guard" if decision.direction in ("input", "untrusted") else "filter"
    name = decision.rule_ids[0] if decision.rules else f"{decision.direction}.pass"
    summary = f"{decision.direction}: {decision.verdict} ({', '.join(decision.rule_ids) or 'no rule hit'})"
    return record(session, at=at, actor=actor, role=role, kind=kind, name=name[:60], decision=decision.verdict,
                  customer_id=customer_id, conversation_id=conversation_id, summary=summary,
                  latency_ms=latency_ms, detail=decision.trace())
