"""spending_summary: spending by category or merchant over a period, against the previous period and the usual."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Literal

from pydantic import Field

from tools.data import Txn, history, names
from tools.matching import match_category, match_merchants
from tools.money import amount
from tools.periods import Period, PeriodArgs, describe
from tools.places import place_and_period
from tools.spec import Call, tool

USUAL_PERIODS = 3
EXCLUDED = "transfers between your own accounts, card and loan payments, savings transfers and income"


class SpendingArgs(PeriodArgs):
    group_by: Literal["category", "merchant"] = Field("category", description="How to break the total down.")
    category: str | None = Field(None, description="Only this category (then the breakdown is by merchant).")
    merchant: str | None = Field(None, description="Only this merchant (fuzzy).")
    currency: str | None = Field(None, min_length=3, max_length=3,
                                 description="Currency to total (default the customer's home currency).")
    place: str | None = Field(None, description="Only spending in this place: a city or country the customer spent "
                                                "in, or \"abroad\" (outside their home country). With no period, "
                                                "the period is their time there.")
    top: int = Field(8, ge=1, le=30, description="How many groups to list.")


def spend_by(txns: list[Txn], period: Period, key: str) -> dict[str, Decimal]:
    """Net spending (refunds subtract) per key within the period."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for txn in txns:
        if period.start <= txn.day <= period.end:
            totals[getattr(txn, key)] -= txn.amount
    return totals


def spent_in(spend: list[Txn], period: Period, home: str) -> str:
    """The currency to total when none was asked for: home, unless everything in the period was in one other."""
    used = Counter(t.currency for t in spend if period.start <= t.day <= period.end)
    return home if not used or home in used else used.most_common(1)[0][0]


def comparable(call: Call, period: Period, count: int) -> list[Period]:
    """Up to `count` periods before `period`, stopping where the consented history would cut one short."""
    found, current = [], period
    for _ in range(count):
        current = current.previous()
        if call.visible_from and current.start < call.visible_from:
            break
        found.append(current)
    return found


@tool(scopes=("transactions:read",))
def spending_summary(call: Call, args: SpendingArgs) -> dict:
    """How much the customer spent over a period (default this month to date; pay-cycle periods such as
    this_pay_period follow their detected paycheques), broken down by category or merchant, compared with the
    previous comparable period and with their usual (average of the three periods before). Transfers between
    their own accounts, card/loan payments, savings and income are not spending. Use it for "how much did I
    spend on dining last month", "where does my money go", "am I spending more than usual", "what did I spend in
    Tokyo"."""
    place, period, stay = place_and_period(call, args, args.place, default="this_month")
    before = [] if stay else comparable(call, period, USUAL_PERIODS)
    rows = history(call, before[-1].start if before else period.start, period.end)
    category = match_category(args.category, names(call, "category")) if args.category else None
    merchants = set(match_merchants(args.merchant, names(call, "merchant"))) if args.merchant else None
    spend = [t for t in rows if t.is_spending and (category is None or t.category == category)
             and (merchants is None or t.merchant in merchants) and (place is None or place.holds(t))]
    currency = (args.currency or spent_in(spend, period, call.customer.home_currency)).upper()
    mine = [t for t in spend if t.currency == currency]
    key = "merchant" if category or args.group_by == "merchant" else "category"
    current = spend_by(mine, period, key)
    previous = spend_by(mine, before[0], key) if before else {}
    usual_runs = [spend_by(mine, p, key) for p in before]
    total, previous_total = sum(current.values(), Decimal(0)), sum(previous.values(), Decimal(0))
    usual_total = sum((sum(run.values(), Decimal(0)) for run in usual_runs), Decimal(0)) / max(len(usual_runs), 1)

    def group(name: str) -> dict:
        row = {key: name, "amount": amount(current.get(name, 0))}
        if before:
            row["previous"] = amount(previous.get(name, 0))
            row["usual"] = amount(sum((run.get(name, Decimal(0)) for run in usual_runs), Decimal(0)) / len(usual_runs))
        return row

    ranked = sorted(current, key=lambda name: current[name], reverse=True)
    result = {"period": describe(call, period), "currency": currency, "total": amount(total),
              f"by_{key}": [group(name) for name in ranked[:args.top]], "excludes": EXCLUDED}
    if len(ranked) > args.top:
        result["others_total"] = amount(sum((current[n] for n in ranked[args.top:]), Decimal(0)))
    if before:
        result["previous"] = {"period": before[0].to_dict(), "total": amount(previous_total),
                              "change": amount(total - previous_total)}
        result["usual"] = {"total": amount(usual_total), "periods": len(usual_runs)}
    if category:
        result["category"] = category
    if merchants is not None:
        result["matched_merchants"] = sorted(merchants)
    if place:
        result["place"] = place.label
    others = defaultdict(Decimal)
    for txn in spend:
        if txn.currency != currency and period.start <= txn.day <= period.end:
            others[txn.currency] -= txn.amount
    if others:
        result["other_currencies"] = [{"currency": c, "total": amount(v)} for c, v in sorted(others.items())]
    return result
