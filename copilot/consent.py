"""Consent ledger: scopes, grants, revocation, expiry and the fail-closed check the tool runner uses.

Modelled on Open Banking / FDX consents. Current state lives in `consents`; every change is appended
to `consent_events`. Nothing here decides *which* scopes a tool needs: tools declare that, the runner asks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Consent, ConsentEvent, Customer

SCOPES: dict[str, str] = {
    "accounts:read": "see your account balances and account details",
    "transactions:read": "read your transaction history within the lookback window you choose",
    "credit:read": "read your card and loan balances, rates and minimum payments",
    "budgets:write": "create and change your budgets",
    "goals:write": "create and change your savings goals",
    "cards:manage": "freeze and unfreeze your cards",
    "disputes:write": "open disputes on transactions for you",
    "payments:write": "move money for you: between your accounts, to cards and loans, to bills and people you have "
                      "saved, now, later or as a standing order",
    "insights:personalize": "use your data to personalise insights, forecasts and plans",
    "marketing:offers": "show you offers for our products",
    "support:share": "let a support agent see your account summary (only what your other permissions share) and "
                     "your conversations, also when you have not asked for a person",
}
# What each permission lets the copilot (or a support agent) do, in the customer's words, for the consent centre.
ENABLES: dict[str, str] = {
    "accounts:read": "Answers about your balances and accounts, and the balances shown beside the chat.",
    "transactions:read": "Spending summaries, budgets, upcoming bills, finding a transaction and checking for fraud.",
    "credit:read": "Debt payoff plans and credit guidance from your card and loan balances, rates and minimums.",
    "budgets:write": "Setting up or changing a budget when you ask; you confirm each change.",
    "goals:write": "Creating or changing a savings goal when you ask; you confirm each one.",
    "cards:manage": "Freezing or unfreezing a card when you ask; you confirm each time.",
    "disputes:write": "Opening a dispute on a charge when you ask; you confirm each one.",
    "payments:write": "Transfers, card and bill payments, payments to your saved payees and standing orders when you "
                      "ask; you confirm each one, and a one-time code is asked for when a payment looks unusual.",
    "insights:personalize": "Forecasts, plans and insights based on your own spending and income.",
    "marketing:offers": "Offers for our products alongside answers, when they fit what you asked.",
    "support:share": "A support agent can read your conversations and see the parts of your account summary your "
                     "other permissions share, without you asking for a person first.",
}
# The parts of the account summary a support agent sees, each only with support:share and the scope named here.
# Without support:share an agent sees your conversation only while handling a hand-off you asked for.
AGENT_SUMMARY: dict[str, tuple[str, str]] = {
    "accounts": ("accounts:read", "your accounts and their balances"),
    "cards": ("accounts:read", "your cards and whether they are frozen"),
    "alerts": ("transactions:read", "fraud and charging-error alerts on your recent transactions"),
    "disputes": ("transactions:read", "your open disputes"),
}
DEFAULT_LOOKBACK_DAYS = 365


class ConsentError(ValueError):
    """A grant or revocation request is invalid (unknown scope, unknown consent, wrong customer)."""


@dataclass(frozen=True)
class ConsentRequired:
    """The gate's refusal, a value the agent turns into a helpful answer (route consent_required)."""

    scopes: tuple[str, ...]
    reason: str                      # missing | expired | revoked | out_of_window
    purposes: dict[str, str] = field(default_factory=dict)
    customer_id: str | None = None
    visible_from: date | None = None  # out_of_window: first day the current lookback lets tools see

    def to_dict(self) -> dict:
        customer = self.customer_id or "<customer id>"
        fix = ("Grant a longer transaction lookback" if self.reason == "out_of_window" else "Grant it")
        data = {"status": "consent_required", "scopes": list(self.scopes), "reason": self.reason,
                "purposes": self.purposes,
                "how_to_grant": f"{fix} in the chat (the Allow button), in the consent centre, or with "
                                f"`copilot consent grant --customer {customer} --scopes {','.join(self.scopes)}`."}
        if self.visible_from is not None:
            data["visible_from"] = self.visible_from.isoformat()
        return data


def agent_sees(scopes: frozenset[str] | set[str]) -> dict[str, bool]:
    """Which parts of the account summary a support agent may see under these grants (AGENT_SUMMARY)."""
    return {part: "support:share" in scopes and scope in scopes for part, (scope, _) in AGENT_SUMMARY.items()}


def _check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ConsentError(f"unknown consent scope(s) {unknown or '(none given)'}; known: {', '.join(SCOPES)}")
    return sorted(set(scopes))


def _event(session: Session, consent: Consent, event: str, actor: str, at: datetime, **detail) -> None:
    session.add(ConsentEvent(consent_id=consent.id, customer_id=consent.customer_id, event=event, actor=actor,
                             at=at, detail={"scopes": consent.scopes, **detail}))


def grant(session: Session, customer_id: str, scopes: list[str], *, now: datetime, purpose: str = "",
          channel: str = "chat", actor: str | None = None, days: int | None = 365,
          lookback_days: int | None = DEFAULT_LOOKBACK_DAYS, consent_id: str | None = None) -> Consent:
    """Record a new grant (append-only: an existing grant is never widened in place). The customer's own `purpose`
    words are untrusted: kept with PII masked and instructions neutralised."""
    from copilot.compliance.untrusted import customer_field

    if session.get(Customer, customer_id) is None:
        raise ConsentError(f"unknown customer {customer_id!r}")
    scopes = _check_scopes(scopes)
    if days is not None and days < 1:
        raise ConsentError(f"a grant must last at least one day (got days={days}); use revoke to end one")
    if lookback_days is not None and lookback_days < 0:
        raise ConsentError(f"lookback_days must be 0 or more (got {lookback_days})")
    consent = Consent(id=consent_id or f"cns-{uuid.uuid4().hex[:12]}", customer_id=customer_id, scopes=scopes,
                      purpose=customer_field(purpose)[:300] or "; ".join(SCOPES[s] for s in scopes), channel=channel,
                      granted_by=actor or f"customer:{customer_id}", granted_at=now,
                      expires_at=now + timedelta(days=days) if days else None,
                      lookback_days=lookback_days, status="active")
    session.add(consent)
    session.flush()
    _event(session, consent, "grant", consent.granted_by, now, expires_at=str(consent.expires_at),
           lookback_days=lookback_days, purpose=consent.purpose)
    return consent


def revoke(session: Session, customer_id: str, consent_id: str, *, now: datetime, actor: str,
           reason: str = "revoked by customer") -> Consent:
    consent = session.get(Consent, consent_id, with_for_update=True)
    if consent is None or consent.customer_id != customer_id:
        raise ConsentError(f"no consent {consent_id!r} for customer {customer_id!r}")
    if consent.status == "active":
        consent.status, consent.revoked_at, consent.revoked_by = "revoked", now, actor
        consent.revocation_reason = reason
        _event(session, consent, "revoke", actor, now, reason=reason)
    return consent


def revoke_scopes(session: Session, customer_id: str, scopes: list[str], *, now: datetime, actor: str,
                  reason: str = "revoked by customer") -> list[Consent]:
    """Revoke every active grant that carries any of these scopes; other scopes on it are re-granted."""
    scopes = _check_scopes(scopes)
    touched = []
    for consent in active_consents(session, customer_id, now):
        if set(consent.scopes) & set(scopes):
            revoke(session, customer_id, consent.id, now=now, actor=actor, reason=reason)
            touched.append(consent)
            keep = [s for s in consent.scopes if s not in scopes]
            if keep:
                remaining = (consent.expires_at - now).days if consent.expires_at else None
                grant(session, customer_id, keep, now=now, purpose=consent.purpose, channel=consent.channel,
                      actor=actor, days=max(remaining, 1) if remaining is not None else None,
                      lookback_days=consent.lookback_days)
    return touched


def expire_due(session: Session, customer_id: str, now: datetime) -> None:
    """Mark grants past their expiry as expired (recorded once in the history)."""
    due = session.scalars(select(Consent).where(Consent.customer_id == customer_id, Consent.status == "active",
                                                Consent.expires_at.is_not(None), Consent.expires_at <= now))
    for consent in due:
        consent.status = "expired"
        _event(session, consent, "expire", "system", now)


def active_consents(session: Session, customer_id: str, now: datetime) -> list[Consent]:
    expire_due(session, customer_id, now)
    return list(session.scalars(select(Consent).where(Consent.customer_id == customer_id,
                                                      Consent.status == "active").order_by(Consent.granted_at)))


@dataclass(frozen=True)
class ConsentState:
    """What the customer has granted right now: scopes and the widest transaction lookback."""

    scopes: frozenset[str]
    lookback_days: int | None
    last_status: dict[str, str]      # scope -> status of its most recent grant (for the refusal reason)

    def earliest_visible(self, now: datetime) -> datetime | None:
        return None if self.lookback_days is None else now - timedelta(days=self.lookback_days)


def current_state(session: Session, customer_id: str, now: datetime) -> ConsentState:
    active = active_consents(session, customer_id, now)
    scopes = frozenset(s for c in active for s in c.scopes)
    lookbacks = [c.lookback_days for c in active if "transactions:read" in c.scopes]
    lookback = None if any(lb is None for lb in lookbacks) else max(lookbacks, default=0)
    last: dict[str, str] = {}
    for consent in session.scalars(select(Consent).where(Consent.customer_id == customer_id)
                                   .order_by(Consent.granted_at)):
        for scope in consent.scopes:
            last[scope] = consent.status
    return ConsentState(scopes=scopes, lookback_days=lookback, last_status=last)


def evaluate(session: Session, customer_id: str, needed: tuple[str, ...] | list[str],
             now: datetime) -> tuple[ConsentState, ConsentRequired | None]:
    """The current state plus the fail-closed decision: None when every needed scope is actively granted."""
    state = current_state(session, customer_id, now)
    missing = tuple(s for s in needed if s not in state.scopes)
    if not missing:
        return state, None
    reasons = {state.last_status.get(s, "missing") for s in missing}
    reason = "revoked" if "revoked" in reasons else "expired" if "expired" in reasons else "missing"
    return state, ConsentRequired(scopes=missing, reason=reason, purposes={s: SCOPES[s] for s in missing},
                                  customer_id=customer_id)


def check(session: Session, customer_id: str, needed: tuple[str, ...], now: datetime) -> ConsentRequired | None:
    """Fail closed: None when every needed scope is actively granted, else the refusal naming what is missing."""
    return evaluate(session, customer_id, needed, now)[1]


def out_of_window(customer_id: str, visible_from: date) -> ConsentRequired:
    """The refusal for a request that lies wholly before the granted transaction lookback."""
    return ConsentRequired(scopes=("transactions:read",), reason="out_of_window",
                           purposes={"transactions:read": SCOPES["transactions:read"]}, customer_id=customer_id,
                           visible_from=visible_from)


def all_consents(session: Session, customer_id: str) -> list[Consent]:
    """Every grant of the customer, whatever its status, oldest first."""
    return list(session.scalars(select(Consent).where(Consent.customer_id == customer_id)
                                .order_by(Consent.granted_at, Consent.id)))


def history(session: Session, customer_id: str) -> list[ConsentEvent]:
    return list(session.scalars(select(ConsentEvent).where(ConsentEvent.customer_id == customer_id)
                                .order_by(ConsentEvent.id)))
