"""search_transactions: find the customer's transactions by merchant (fuzzy), category, amount and natural period."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from tools.data import Txn, account_label, accounts, history, names
from tools.matching import match_category, match_merchants, match_one
from tools.money import amount
from tools.periods import PeriodArgs, describe
from tools.places import place_and_period
from tools.spec import Call, tool


class SearchArgs(PeriodArgs):
    merchant: str | None = Field(None, description="Merchant or payee as the customer says it (fuzzy: "
                                                   "\"olive garden\", \"netflix\", \"amazon\").")
    category: str | None = Field(None, description="Spending category, e.g. dining, groceries, fuel, subscriptions.")
    min_amount: float | None = Field(None, ge=0, description="Smallest absolute amount to include.")
    max_amount: float | None = Field(None, ge=0, description="Largest absolute amount to include.")
    direction: Literal["out", "in", "any"] = Field("any", description="out = money spent, in = money received.")
    account: str | None = Field(None, description="Only this account (name, last 4 digits or id).")
    sort: Literal["newest", "oldest", "largest"] = Field("newest", description="Order of the listed transactions.")
    place: str | None = Field(None, description="Only transactions in this place: a city or country, or \"abroad\" "
                                                "(outside the home country). With no period, their time there.")
    limit: int = Field(20, ge=1, le=100, description="Most transactions to list (the totals cover all matches).")

    @model_validator(mode="after")
    def _range(self):
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            raise ValueError("min_amount is larger than max_amount")
        return self


def _keep(txn: Txn, args: SearchArgs, merchants: set[str] | None, category: str | None) -> bool:
    size = abs(txn.amount)
    return ((merchants is None or txn.merchant in merchants)
            and (category is None or txn.category == category)
            and (args.min_amount is None or size >= Decimal(str(args.min_amount)))
            and (args.max_amount is None or size <= Decimal(str(args.max_amount)))
            and (args.direction == "any" or (txn.amount < 0) == (args.direction == "out")))


@tool(scopes=("transactions:read",))
def search_transactions(call: Call, args: SearchArgs) -> dict:
    """Search the customer's transactions by merchant (fuzzy match against their own merchants), category,
    amount range, direction and period (default: the last 90 days). Returns matching transactions (date,
    merchant, amount, category, status) newest first, with the count and totals of all matches.
    Use it for "when did I pay Netflix", "show my Amazon purchases last month", "charges over $100 this week"."""
    place, period, _ = place_and_period(call, args, args.place, default="last_90_days")
    account_ids = None
    if args.account:
        options = {a.id: account_label(a) for a in accounts(call)}
        account_ids = [match_one(args.account, options, "account")]
    rows = history(call, period.start, period.end, account_ids=account_ids)
    merchants = set(match_merchants(args.merchant, names(call, "merchant"))) if args.merchant else None
    category = match_category(args.category, names(call, "category")) if args.category else None
    found = [t for t in rows if _keep(t, args, merchants, category) and (place is None or place.holds(t))]
    order = {"newest": lambda t: (t.at, t.id), "oldest": lambda t: (t.at, t.id), "largest": lambda t: abs(t.amount)}
    found.sort(key=order[args.sort], reverse=args.sort != "oldest")
    labels = {a.id: a.last4 for a in accounts(call)}
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"money_out": Decimal(0), "money_in": Decimal(0)})
    for txn in found:
        totals[txn.currency]["money_out" if txn.amount < 0 else "money_in"] += abs(txn.amount)
    result = {"period": describe(call, period), "count": len(found),
              "totals": [{"currency": c, **{k: amount(v) for k, v in t.items()}} for c, t in sorted(totals.items())],
              "transactions": [t.brief() | {"category": t.category, "status": t.status,
                                            "account_last4": labels.get(t.account_id)} for t in found[:args.limit]]}
    if merchants is not None:
        result["matched_merchants"] = sorted(merchants)
    if category:
        result["category"] = category
    if place:
        result["place"] = place.label
    if len(found) > args.limit:
        result["more"] = len(found) - args.limit
    return result
