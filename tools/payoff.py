"""Debt payoff engine (pure): avalanche, snowball or custom order, and the minimum-payments-only baseline.

Each month, every open debt accrues interest = balance x APR / 12, rounded half-up to the cent; then payments
apply: each debt's minimum (or what is left of it), and the rest of the monthly budget to the first open debt
in the plan's order. What would be left after a payment that is at most 1% of it (the cents that rounding the
payment and the interest leave over a long loan) is paid with it, as a lender's final payment absorbs them, rather
than becoming a month of its own. A plan that cannot outpace interest is reported as never paying off, not looped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tools.money import cents

MAX_MONTHS = 1200          # 100 years: anything longer is "never pays off"
RESIDUAL = Decimal("0.01")  # a remainder up to this share of the payment is paid with it


@dataclass(frozen=True)
class Debt:
    name: str
    balance: Decimal
    apr: Decimal               # percent per year, e.g. 19.99
    min_payment: Decimal

    def interest_on(self, balance: Decimal) -> Decimal:
        return cents(balance * self.apr / Decimal(1200))


@dataclass
class DebtOutcome:
    name: str
    months: int | None = None      # the month its balance reached zero (None: never)
    interest: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)


@dataclass
class Plan:
    months: int | None                         # None: never pays off
    total_interest: Decimal
    total_paid: Decimal
    per_debt: list[DebtOutcome]
    schedule: list[dict] = field(default_factory=list)

    @property
    def never(self) -> bool:
        return self.months is None


def order_debts(debts: list[Debt], strategy: str, custom: list[str] | None = None) -> list[str]:
    """Names in payoff priority: avalanche = highest APR first, snowball = smallest balance first."""
    avalanche = sorted(debts, key=lambda d: (-d.apr, d.balance, d.name))
    if strategy == "snowball":
        return [d.name for d in sorted(debts, key=lambda d: (d.balance, -d.apr, d.name))]
    if strategy == "custom":
        first = list(dict.fromkeys(custom or []))
        return first + [d.name for d in avalanche if d.name not in first]
    return [d.name for d in avalanche]


def _allocate(debts: list[Debt], owed: dict[str, Decimal], budget: Decimal | None,
              order: list[str]) -> dict[str, Decimal]:
    """This month's payment per debt: minimums first, then the rest of the budget down the order; a residual of
    rounding is paid with the payment it follows."""
    by_name = {d.name: d for d in debts}
    pay = {name: min(by_name[name].min_payment, balance) for name, balance in owed.items() if balance > 0}
    if budget is None:                                      # baseline: minimum payments only
        return pay
    extra = budget - sum(pay.values())
    for name in order:
        if extra <= 0:
            break
        if name in pay:
            more = min(extra, owed[name] - pay[name])
            pay[name] += more
            extra -= more
    for name, amount in pay.items():
        if owed[name] - amount <= amount * RESIDUAL:         # rounding cents, not another month of debt
            pay[name] = owed[name]
    return pay


def simulate(debts: list[Debt], budget: Decimal | None, order: list[str], keep_schedule: int = 360) -> Plan:
    """Month by month until every balance is zero; `budget` None means each debt gets only its minimum.

    When the payments cannot outpace the first month's interest, twelve months are shown and the plan is
    reported as never paying off."""
    owed = {d.name: d.balance for d in debts}
    outcomes = {d.name: DebtOutcome(d.name) for d in debts}
    by_name = {d.name: d for d in debts}
    first_interest = {d.name: d.interest_on(d.balance) for d in debts}
    stuck = (sum(first_interest.values()) >= budget if budget is not None
             else any(d.min_payment <= first_interest[d.name] for d in debts if d.balance > 0))
    limit = 12 if stuck else MAX_MONTHS
    schedule: list[dict] = []
    months = 0
    while any(balance > 0 for balance in owed.values()):
        if months >= limit:
            return Plan(None, sum((o.interest for o in outcomes.values()), Decimal(0)),
                        sum((o.paid for o in outcomes.values()), Decimal(0)), list(outcomes.values()), schedule)
        months += 1
        interest = {name: by_name[name].interest_on(balance) for name, balance in owed.items() if balance > 0}
        for name, charge in interest.items():
            owed[name] += charge
            outcomes[name].interest += charge
        pay = _allocate(debts, owed, budget, order)
        finished = []
        for name, amount in pay.items():
            owed[name] -= amount
            outcomes[name].paid += amount
            if owed[name] == 0:
                outcomes[name].months = months
                finished.append(name)
        if len(schedule) < keep_schedule:
            row = {"month": months, "payment": sum(pay.values()), "interest": sum(interest.values()),
                   "balance": sum(owed.values())}
            if finished:
                row["paid_off"] = finished
            schedule.append(row)
    return Plan(months, sum((o.interest for o in outcomes.values()), Decimal(0)),
                sum((o.paid for o in outcomes.values()), Decimal(0)), list(outcomes.values()), schedule)


def baseline(debts: list[Debt]) -> Plan:
    """Minimum payments only, each debt on its own (freed minimums are not rolled over)."""
    alone = [simulate([debt], None, [debt.name], keep_schedule=0) for debt in debts]
    never = any(plan.never for plan in alone)
    return Plan(None if never else max(plan.months for plan in alone),
                sum((plan.total_interest for plan in alone), Decimal(0)),
                sum((plan.total_paid for plan in alone), Decimal(0)),
                [plan.per_debt[0] for plan in alone])
