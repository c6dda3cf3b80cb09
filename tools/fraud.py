"""fraud_alerts: suspicious activity and charging errors with evidence and next steps; the step-up check for cards."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Card, Customer, Dispute
from tools.data import history, security_history
from tools.fraud_rules import SEVERITY_ORDER, Alert, find_alerts
from tools.geo import country_name
from tools.matching import match_one
from tools.spec import Call, ToolArgs, tool

STEP_UP_DAYS = 30


class FraudArgs(ToolArgs):
    days: int = Field(60, ge=7, le=365, description="Look at activity in the last N days (older history is the "
                                                    "customer's normal).")
    card: str | None = Field(None, description="Only this card (name, last 4 digits or id).")
    min_severity: Literal["low", "medium", "high"] = Field("low", description="Leave out less serious alerts.")


def _next_steps(alert: Alert, card: Card | None, disputed: dict[str, str]) -> list[dict]:
    """What the customer can do; a charge already disputed is not offered for a dispute again."""
    if alert.kind == "price_rise":
        return [{"action": "review", "why": "if it is not worth the new price, cancel with the merchant"}]
    disputes = [{"action": "dispute_transaction",
                 "args": {"transaction_id": t.id,
                          "reason": "unauthorized" if alert.fraud_suspected else "duplicate_charge"},
                 "why": "ask for the money back" if alert.fraud_suspected else "get the extra charge refunded"}
                for t in alert.flagged if t.id not in disputed]
    if not alert.fraud_suspected:
        return disputes
    freeze = [{"action": "freeze_card", "args": {"card": card.id},
               "why": "stop further charges while you check; you can unfreeze it any time"}] \
        if card and card.status == "active" else []
    return freeze + disputes + [{"action": "none", "why": "if you recognise these charges, nothing needs doing"}]


def _place(t) -> dict:
    return {"country": t.country, "country_name": country_name(t.country)}


def alert_dict(alert: Alert, cards: dict[str, Card], disputed: dict[str, str] | None = None) -> dict:
    """One alert with its card, its charges (country names; `disputed` = the status of a dispute already opened on
    one) and the next steps still open."""
    disputed = disputed or {}
    card = cards.get(alert.flagged[0].card_id or "")
    data = {"kind": alert.kind, "severity": alert.severity, "title": alert.title,
            "fraud_suspected": alert.fraud_suspected,
            "card": {"id": card.id, "name": card.name, "last4": card.last4, "status": card.status} if card else None,
            "disputed": all(t.id in disputed for t in alert.flagged),
            "evidence": {"transactions": [t.brief() | _place(t) | {"disputed": disputed.get(t.id)}
                                          for t in alert.flagged],
                         **({"related": [t.brief() | _place(t) for t in alert.related]}
                            if alert.related else {}), **alert.facts},
            "next_steps": _next_steps(alert, card, disputed)}
    if alert.also:
        data["also_matches"] = alert.also
    return data


@tool(scopes=("transactions:read",))
def fraud_alerts(call: Call, args: FraudArgs) -> dict:
    """Checks recent activity for fraud and charging errors: card-testing micro-charges, duplicate charges,
    impossible travel or cross-border charges, a large first purchase at a new merchant, an amount unusual for
    the merchant or category, and subscription price rises. Each alert has a severity, the evidence
    (transaction ids, amounts, dates) and next steps (freeze the card, dispute a charge).
    Use it for "is there anything suspicious on my account", "I don't recognise a charge"."""
    since = call.today - timedelta(days=args.days)
    customer = call.customer
    alerts = find_alerts(history(call), customer.home_country, customer.home_currency, since, call.today)
    cards = {c.id: c for c in call.session.scalars(select(Card).where(Card.customer_id == customer.id))}
    if args.card:
        wanted = match_one(args.card, {c.id: f"{c.name} ••{c.last4}" for c in cards.values()}, "card")
        alerts = [a for a in alerts if any(t.card_id == wanted for t in a.flagged)]
    alerts = [a for a in alerts if SEVERITY_ORDER[a.severity] <= SEVERITY_ORDER[args.min_severity]]
    counts = {level: sum(a.severity == level for a in alerts) for level in SEVERITY_ORDER}
    disputed = dict(call.session.execute(select(Dispute.transaction_id, Dispute.status)
                                         .where(Dispute.customer_id == customer.id)).all())
    return {"since": since.isoformat(), "count": len(alerts), "by_severity": counts,
            "alerts": [alert_dict(a, cards, disputed) for a in alerts]}


def card_under_suspicion(session: Session, customer: Customer, card_id: str, today: date) -> bool:
    """True when the bank's own rules see suspected fraud on this card in the last 30 days (for step-up)."""
    alerts = find_alerts(security_history(session, customer.id, today), customer.home_country,
                         customer.home_currency, today - timedelta(days=STEP_UP_DAYS), today)
    return any(a.fraud_suspected and any(t.card_id == card_id for t in a.flagged) for a in alerts)
