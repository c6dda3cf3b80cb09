"""Precision and recall of the fraud rules against the demo bank's labelled anomalies.

Evaluation only: this is the one place that reads AnomalyLabel, and no tool calls it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import AnomalyLabel, Customer
from tools.data import security_history
from tools.fraud_rules import find_alerts


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def score(session: Session, today: date, days: int = 60, customer_ids: list[str] | None = None) -> dict:
    """Flagged transactions vs labelled ones, over the same window fraud_alerts uses by default."""
    query = select(Customer).order_by(Customer.id)
    if customer_ids:
        query = query.where(Customer.id.in_(customer_ids))
    since = today - timedelta(days=days)
    flagged: dict[str, str] = {}                      # transaction id -> rule that flagged it
    labels: dict[str, str] = {}                       # transaction id -> labelled kind
    per_customer = {}
    for customer in session.scalars(query):
        txns = security_history(session, customer.id, today)
        day_of = {t.id: t.day for t in txns}
        mine = {t.id: alert.kind
                for alert in find_alerts(txns, customer.home_country, customer.home_currency, since, today)
                for t in alert.flagged}
        truth = {row.transaction_id: row.kind for row in session.scalars(
            select(AnomalyLabel).where(AnomalyLabel.customer_id == customer.id))
            if day_of.get(row.transaction_id, since) >= since}
        flagged.update(mine)
        labels.update(truth)
        hits = len(mine.keys() & truth.keys())
        per_customer[customer.id] = {"flagged": len(mine), "labelled": len(truth), "true_positives": hits}
    hits = flagged.keys() & labels.keys()
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"labelled": 0, "found": 0})
    for txn_id, kind in labels.items():
        by_kind[kind]["labelled"] += 1
        by_kind[kind]["found"] += txn_id in hits
    return {"since": since.isoformat(), "precision": _ratio(len(hits), len(flagged)),
            "recall": _ratio(len(hits), len(labels)), "flagged": len(flagged), "labelled": len(labels),
            "true_positives": len(hits),
            "false_positives": sorted(f"{txn_id} ({flagged[txn_id]})" for txn_id in flagged.keys() - labels.keys()),
            "missed": sorted(f"{txn_id} ({labels[txn_id]})" for txn_id in labels.keys() - flagged.keys()),
            "by_kind": {kind: counts | {"recall": _ratio(counts["found"], counts["labelled"])}
                        for kind, counts in sorted(by_kind.items())},
            "per_customer": per_customer}
