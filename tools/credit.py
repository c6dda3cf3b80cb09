"""credit_guidance: card utilisation, interest being paid, and how payment strategies change interest and time."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from tools.data import account_label, accounts
from tools.debt import CARD_KINDS, LOAN_KINDS
from tools.money import amount, cents
from tools.payoff import Debt, Plan, baseline, order_debts, simulate
from tools.spec import Call, NotFound, ToolArgs, tool

EXTRAS = (Decimal(50), Decimal(100), Decimal(250))
THRESHOLDS = (Decimal("0.30"), Decimal("0.10"))


class CreditArgs(ToolArgs):
    extra_payment: float | None = Field(None, gt=0, le=100_000,
                                        description="An extra monthly amount (on top of the minimums) to compare; "
                                                    "default compares 50, 100 and 250.")


def _outcome(plan: Plan) -> dict:
    return {"months": plan.months, "never_pays_off": plan.never,
            "total_interest": None if plan.never else amount(plan.total_interest)}


@tool(scopes=("credit:read", "insights:personalize"))
def credit_guidance(call: Call, args: CreditArgs) -> dict:
    """The customer's credit picture: utilisation of each card and overall (with how much to pay down to reach
    30% and 10%), the interest their debts cost this month, and how paying extra each month (avalanche vs
    snowball) changes total interest and time to debt-free compared with minimum payments only.
    Use it for "how is my credit utilisation", "what if I paid 200 more a month", "which debt first"."""
    owed = [a for a in accounts(call, CARD_KINDS + LOAN_KINDS) if a.current_balance > 0]
    if not owed:
        raise NotFound("the customer has no cards or loans with a balance")
    cards = [a for a in owed if a.kind in CARD_KINDS and a.credit_limit]
    total_owed = sum((a.current_balance for a in cards), Decimal(0))
    total_limit = sum((a.credit_limit for a in cards), Decimal(0))
    debts = [Debt(account_label(a), cents(a.current_balance), a.apr or Decimal(0), cents(a.min_payment or 0))
             for a in owed]
    minimums = sum((d.min_payment for d in debts), Decimal(0))
    extras = [cents(args.extra_payment)] if args.extra_payment else EXTRAS
    base = baseline(debts)
    comparisons = [{"extra": amount(extra), "monthly_payment": amount(minimums + extra),
                    **{strategy: _outcome(simulate(debts, minimums + extra, order_debts(debts, strategy)))
                       for strategy in ("avalanche", "snowball")}} for extra in extras]
    result = {"cards": [{"name": a.name, "last4": a.last4, "owed": amount(a.current_balance),
                         "limit": amount(a.credit_limit), "apr": float(a.apr or 0),
                         "utilisation_pct": round(float(a.current_balance / a.credit_limit * 100), 1)} for a in cards],
              "debts": [{"name": d.name, "balance": amount(d.balance), "apr": float(d.apr),
                         "min_payment": amount(d.min_payment), "interest_this_month": amount(d.interest_on(d.balance))}
                        for d in sorted(debts, key=lambda d: -d.apr)],
              "interest_this_month": amount(sum((d.interest_on(d.balance) for d in debts), Decimal(0))),
              "minimums_only": {"monthly_payment": amount(minimums), **_outcome(base)},
              "paying_more": comparisons, "currency": call.customer.home_currency}
    if total_limit:
        result["overall_utilisation_pct"] = round(float(total_owed / total_limit * 100), 1)
        result["pay_down_to_reach"] = {f"{int(level * 100)}%": amount(max(total_owed - level * total_limit, 0))
                                       for level in THRESHOLDS}
    return result
