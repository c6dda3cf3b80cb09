"""Compliance for text the API itself sends (button confirmations, support-agent replies): the same output filters
as every copilot answer, grounded on the evidence the caller names, and audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from copilot.agent.state import load_profile
from copilot.api.auth import Principal
from copilot.compliance import Evidence, audit_decision, filter_output
from copilot.compliance.types import CONVERSATION_FLAGS, Decision
from copilot.consent import current_state


def evidence(session: Session, customer_id: str, now: datetime, *, tool_results: Iterable = (),
             kb_chunks: Iterable[str] = (), customer_messages: Iterable[str] = (), citations: Iterable[str] = (),
             flags: Iterable[str] = ()) -> Evidence:
    """What a reply to this customer may rest on, plus the customer's own identifiers and marketing consent."""
    profile = load_profile(session, customer_id)
    own = [profile.email, profile.phone, *profile.account_last4, *(c.last4 for c in profile.cards)]
    marketing = "marketing:offers" in current_state(session, customer_id, now).scopes
    return Evidence(tool_results=list(tool_results), kb_chunks=list(kb_chunks),
                    customer_messages=list(customer_messages), own_identifiers=own, citations=list(citations),
                    flags=set(flags) & CONVERSATION_FLAGS, marketing_consent=marketing)


def release(session: Session, text: str, proof: Evidence, *, principal: Principal, customer_id: str,
            conversation_id: str | None, now: datetime) -> Decision:
    """Filter the text and audit the decision; the caller sends `decision.text` unless it is blocked."""
    decision = filter_output(text, proof)
    audit_decision(session, decision, at=now, actor=principal.actor, role=principal.role, customer_id=customer_id,
                   conversation_id=conversation_id)
    return decision


def compliance_dict(decision: Decision) -> dict:
    """The compliance result as the panel shows it: verdict and rule hits (digests stay in the audit log)."""
    return {"verdict": decision.verdict, "rules": [hit.to_dict() for hit in decision.rules],
            "escalate": decision.escalate}
