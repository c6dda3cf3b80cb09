"""Read-only views of one customer's bank data for the pages: accounts, cards, disputes, alerts, the agent summary.

Accounts, cards and disputes are the customer's own records, read directly; alerts are the copilot's analysis,
so they go through the tool runner (consent gate and audit) as the caller. The agent summary shows each part only
under the grants consent.AGENT_SUMMARY names; what the customer typed (dispute details) is untrusted text.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import consent
from copilot.api.auth import Principal
from copilot.api.deps import tool_context
from copilot.compliance.untrusted import untrusted
from copilot.runtime import Runtime
from copilot.store.models import Account, Card, Customer, Dispute, Transaction
from tools import run_tool

ALERT_DAYS = 60
OPEN_DISPUTES = ("open", "provisional_credit")


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def profile(session: Session, customer_id: str) -> dict:
    customer = session.get(Customer, customer_id)
    return {"id": customer.id, "name": customer.name, "segment": customer.segment,
            "home_currency": customer.home_currency}


def accounts(session: Session, customer_id: str) -> list[dict]:
    """Balances by account; the full account number is never shown, only its last four digits."""
    rows = session.scalars(select(Account).where(Account.customer_id == customer_id).order_by(Account.id))
    return [{"id": a.id, "kind": a.kind, "name": a.name, "last4": a.last4, "currency": a.currency,
             "current_balance": _money(a.current_balance), "available_balance": _money(a.available_balance),
             "credit_limit": _money(a.credit_limit), "apr": _money(a.apr), "status": a.status} for a in rows]


def cards(session: Session, customer_id: str) -> list[dict]:
    rows = session.scalars(select(Card).where(Card.customer_id == customer_id).order_by(Card.id))
    return [{"id": c.id, "name": c.name, "kind": c.kind, "network": c.network, "last4": c.last4, "status": c.status,
             "status_changed_at": c.status_changed_at} for c in rows]


def disputes(session: Session, customer_id: str) -> list[dict]:
    rows = session.execute(select(Dispute, Transaction).join(Transaction, Dispute.transaction_id == Transaction.id)
                           .where(Dispute.customer_id == customer_id).order_by(Dispute.created_at.desc()))
    return [{"id": d.id, "transaction_id": d.transaction_id, "merchant": t.merchant, "date": t.occurred_at.date(),
             "amount": _money(d.amount), "currency": t.currency, "reason": untrusted(d.reason), "status": d.status,
             "created_at": d.created_at} for d, t in rows]


def alerts(runtime: Runtime, customer_id: str, principal: Principal) -> dict:
    """Fraud and charging-error alerts of the last 60 days, as the caller may see them (consent gated)."""
    outcome = run_tool(tool_context(runtime, principal, customer_id=customer_id), "fraud_alerts", {"days": ALERT_DAYS})
    if outcome.status != "ok":
        return {"available": False, "status": outcome.status, "consent": outcome.consent, "alerts": [],
                "reason": outcome.error}
    return {"available": True, "status": "ok", "alerts": outcome.result["alerts"],
            "by_severity": outcome.result["by_severity"], "since": outcome.result["since"]}


def withheld(part: str) -> dict:
    scope, what = consent.AGENT_SUMMARY[part]
    return {"available": False, "status": "consent_required", "needs": ["support:share", scope],
            "reason": f"Not shared: {what} (needs support:share and {scope})"}


def summary(runtime: Runtime, customer_id: str, principal: Principal) -> dict:
    """The assist panel's customer summary: who, and, only as far as the customer's grants allow (agent_sees),
    accounts, cards, open disputes and recent alerts; `shared` says which parts are shown, `withheld` why not."""
    now = runtime.settings.now()
    with runtime.db.session() as session:
        scopes = consent.current_state(session, customer_id, now).scopes
        sees = consent.agent_sees(scopes)
        data = {"customer": profile(session, customer_id), "consents": sorted(scopes), "shared": sees,
                "accounts": accounts(session, customer_id) if sees["accounts"] else [],
                "cards": cards(session, customer_id) if sees["cards"] else [],
                "disputes": [d for d in disputes(session, customer_id) if d["status"] in OPEN_DISPUTES]
                if sees["disputes"] else []}
    data["alerts"] = alerts(runtime, customer_id, principal) if sees["alerts"] else {**withheld("alerts"), "alerts": []}
    data["withheld"] = {part: withheld(part)["reason"] for part, shown in sees.items() if not shown}
    return data
