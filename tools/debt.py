"""debt_payoff_plan: the payoff engine applied to the customer's own cards and loans, or to debts given as arguments."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from tools.data import account_label, accounts, pick_account
from tools.matching import match_one
from tools.money import amount, cents, show
from tools.payoff import Debt, Plan, baseline, order_debts, simulate
from tools.recurring import add_months
from tools.spec import Call, InvalidArgs, NotFound, ToolArgs, tool

CARD_KINDS, LOAN_KINDS = ("credit_card",), ("personal_loan", "term_loan")
ASSUMPTIONS = ("interest each month is balance x APR/12 rounded to the cent; minimum payments stay fixed; "
               "no new charges")


class DebtIn(ToolArgs):
    name: str = Field(min_length=1, max_length=60, description="A label, e.g. \"Visa\".")
    balance: float = Field(gt=0, le=10_000_000, description="Amount owed now.")
    apr: float = Field(ge=0, le=100, description="Annual percentage rate in percent, e.g. 19.99.")
    min_payment: float | None = Field(None, ge=0, description="Monthly minimum payment; default 1% of the "
                                                              "balance plus a month's interest, at least 25.")


class DebtPlanArgs(ToolArgs):
    debts: list[DebtIn] | None = Field(None, max_length=20,
                                       description="Debts to plan for. Omit to use the customer's own cards and "
                                                   "loans (needs their credit:read consent).")
    monthly_payment: float | None = Field(None, gt=0, le=1_000_000,
                                          description="Total paid each month across all these debts; default the "
                                                      "sum of their minimum payments.")
    extra_payment: float | None = Field(None, gt=0, le=1_000_000,
                                        description="Or: paid each month on top of the minimum payments "
                                                    "(\"an extra 200 a month\").")
    strategy: Literal["avalanche", "snowball", "custom"] = Field(
        "avalanche", description="avalanche = highest APR first (least interest), snowball = smallest balance "
                                 "first, custom = the given order.")
    order: list[str] | None = Field(None, description="custom strategy: debt names, first to pay off first.")
    debt_types: Literal["all", "cards", "loans"] = Field("all", description="Own debts only: which ones to include.")
    accounts: list[str] | None = Field(None, max_length=10,
                                       description="Own debts only: just these cards or loans (name, last 4 digits "
                                                   "or id), e.g. [\"Visa\"]. Omit for all of `debt_types`.")

    @model_validator(mode="after")
    def _custom_needs_order(self):
        if self.monthly_payment is not None and self.extra_payment is not None:
            raise ValueError("give monthly_payment (the total) or extra_payment (on top of the minimums), not both")
        if self.strategy == "custom" and not self.order:
            raise ValueError("strategy 'custom' needs `order`, the debt names in payoff order")
        names = [d.name for d in self.debts or []]
        if len(names) != len(set(names)):
            raise ValueError("debt names must be different from each other")
        return self


def _given(debt: DebtIn) -> Debt:
    balance, apr = cents(debt.balance), Decimal(str(debt.apr))
    minimum = debt.min_payment
    if minimum is None:
        default = max(Decimal(25), cents(balance / 100 + balance * apr / 1200))
        minimum = min(default, balance)
    return Debt(debt.name, balance, apr, cents(minimum))


def _own(call: Call, which: str, named: list[str] | None) -> list[Debt]:
    kinds = {"all": CARD_KINDS + LOAN_KINDS, "cards": CARD_KINDS, "loans": LOAN_KINDS}[which]
    chosen = accounts(call, CARD_KINDS + LOAN_KINDS if named else kinds)
    if named:
        chosen = list({a.id: a for a in (pick_account(chosen, wanted) for wanted in named)}.values())
    found = [Debt(account_label(a), cents(a.current_balance), a.apr or Decimal(0), cents(a.min_payment or 0))
             for a in chosen if a.current_balance > 0]
    if not found:
        label = {"all": "cards or loans", "cards": "credit cards", "loans": "loans"}[which]
        raise NotFound(f"the customer has no {label} with a balance to pay off")
    return found


def _when(call: Call, months: int | None) -> str | None:
    return add_months(call.today, months).isoformat() if months is not None else None


def _summary(call: Call, plan: Plan) -> dict:
    return {"months": plan.months, "never_pays_off": plan.never,
            "total_interest": None if plan.never else amount(plan.total_interest),
            "payoff_date": _when(call, plan.months)}


@tool(scopes=("credit:read",), scopes_for=lambda args: () if args.debts else ("credit:read",))
def debt_payoff_plan(call: Call, args: DebtPlanArgs) -> dict:
    """A month-by-month payoff plan: how many months until debt-free, total interest, payoff date, each debt's
    payoff month and interest, compared with paying only the minimums (interest saved). Strategies: avalanche
    (highest APR first), snowball (smallest balance first) or a custom order. Works on the customer's own
    cards and loans, or on hypothetical debts given in `debts` (no consent needed for those).
    Example: {"debts":[{"name":"Visa","balance":5000,"apr":19.99,"min_payment":100}],"monthly_payment":600}."""
    debts = [_given(d) for d in args.debts] if args.debts else _own(call, args.debt_types, args.accounts)
    minimums = sum((d.min_payment for d in debts), Decimal(0))
    budget = cents(args.monthly_payment) if args.monthly_payment is not None else \
        minimums + cents(args.extra_payment or 0)
    if budget < minimums:
        raise InvalidArgs(f"monthly_payment {show(budget)} is less than the minimum payments, which add up to "
                          f"{show(minimums)}; use at least that")
    names = {d.name: d.name for d in debts}
    custom = [match_one(name, names, "debt") for name in args.order or []]
    order = order_debts(debts, args.strategy, custom)
    plan, base = simulate(debts, budget, order), baseline(debts)
    by_debt = {d.name: d for d in debts}
    result = {"strategy": args.strategy, "order": order, "monthly_payment": amount(budget),
              "source": "arguments" if args.debts else "accounts", **_summary(call, plan),
              "per_debt": [{"name": o.name, "balance": amount(by_debt[o.name].balance), "apr": float(by_debt[o.name].apr),
                            "min_payment": amount(by_debt[o.name].min_payment), "months": o.months,
                            "payoff_date": _when(call, o.months), "interest": amount(o.interest)}
                           for o in sorted(plan.per_debt, key=lambda o: order.index(o.name))],
              "baseline": {"monthly_payment": amount(minimums), **_summary(call, base)},
              "schedule": [{**row, "date": _when(call, row["month"]),
                            **{k: amount(row[k]) for k in ("payment", "interest", "balance")}}
                           for row in plan.schedule],
              "assumptions": ASSUMPTIONS}
    result["total_paid"] = None if plan.never else amount(plan.total_paid)
    both = not plan.never and not base.never
    result["interest_saved"] = amount(base.total_interest - plan.total_interest) if both else None
    result["months_saved"] = base.months - plan.months if both else None
    if args.monthly_payment is None:
        result["note"] = "no monthly payment given, so the plan assumes only the minimum payments"
    return result
