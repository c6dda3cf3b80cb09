"""upcoming_bills: recurring payments detected from the customer's history, with next date, amount and price rises."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from tools.data import account_label, accounts, history
from tools.money import amount
from tools.recurring import Series, detect, occurrences
from tools.spec import Call, ToolArgs, tool

BILL_KINDS = ["bill", "subscription", "debt_payment"]
Kind = Literal["bill", "subscription", "debt_payment", "transfer"]


class BillsArgs(ToolArgs):
    days: int = Field(30, ge=1, le=120, description="How many days ahead to look.")
    kinds: list[Kind] = Field(default_factory=lambda: list(BILL_KINDS),
                              description="Which recurring payments to include (default bill, subscription, "
                                          "debt_payment; transfer = regular moves to your own accounts).")


def bill_row(series: Series, labels: dict[str, str]) -> dict:
    row = {"merchant": series.merchant, "kind": series.kind, "category": series.category,
           "cadence": series.cadence, "next_date": series.next_date.isoformat(),
           "amount": amount(series.typical), "amount_varies": not series.fixed,
           "last_paid": series.dates[-1].isoformat(), "account": labels.get(series.account_id)}
    change = series.price_change
    if change is not None:
        row["price_change"] = {"from": amount(change.old), "to": amount(change.new), "since": change.since.isoformat(),
                               "percent": round(change.pct, 1)}
    return row


def active_outgoing(call: Call) -> list[Series]:
    """Recurring payments still running, detected from the visible history."""
    return [s for s in detect(history(call), call.today) if s.active and not s.incoming]


@tool(scopes=("transactions:read",))
def upcoming_bills(call: Call, args: BillsArgs) -> dict:
    """Recurring payments detected from the customer's own history (rent, utilities, subscriptions, loan and card
    payments): cadence, next expected date, expected amount (estimated when it varies), and any price change,
    e.g. a subscription that got more expensive. Lists those due in the next `days` days plus the total.
    Use it for "what bills are coming up", "what subscriptions do I have", "did any subscription go up"."""
    horizon = call.today + timedelta(days=args.days)
    labels = {a.id: account_label(a) for a in accounts(call)}
    running = [s for s in active_outgoing(call) if s.kind in args.kinds]
    due = {s.merchant: occurrences(s, horizon) for s in running}
    listed = [s for s in running if due[s.merchant]]
    return {"from": call.today.isoformat(), "to": horizon.isoformat(), "currency": call.customer.home_currency,
            "bills": [bill_row(s, labels) | {"times_in_window": len(due[s.merchant])} for s in listed],
            "total_due": amount(sum((s.typical * len(due[s.merchant]) for s in listed), Decimal(0))),
            "recurring_count": len(running),
            "price_rises": [bill_row(s, labels) for s in running
                            if s.price_change and s.price_change.new > s.price_change.old]}
