"""budget_status (spent, month-end forecast, at-risk flag) and set_budget (a write: confirmed before it runs)."""

from __future__ import annotations

import calendar
from datetime import timedelta
from decimal import Decimal

from pydantic import Field
from sqlalchemy import select

from copilot.store.models import Budget
from tools.data import history
from tools.matching import match_category
from tools.money import amount, cents, show
from tools.periods import Period
from tools.recurring import add_months
from tools.spec import Call, NoChange, Proposal, ToolArgs, tool
from tools.spending import comparable, spend_by

# The bank's spending categories (a budget may be set for one the customer has not used yet).
CATEGORIES = ("groceries", "dining", "coffee", "shopping", "transport", "fuel", "entertainment", "health", "fitness",
              "subscriptions", "rent", "utilities", "phone_internet", "insurance", "education", "childcare",
              "travel", "lodging", "business_supplies", "business_services", "payroll", "interest")


class BudgetStatusArgs(ToolArgs):
    category: str | None = Field(None, description="Only this budget's category; omit for all budgets.")


class SetBudgetArgs(ToolArgs):
    category: str = Field(description="Spending category, e.g. dining, groceries, shopping.")
    monthly_limit: float = Field(gt=0, le=1_000_000, description="The monthly limit, in the customer's currency.")


def _budgets(call: Call) -> list[Budget]:
    return list(call.session.scalars(select(Budget).where(Budget.customer_id == call.ctx.customer_id)
                                     .order_by(Budget.category)))


@tool(scopes=("transactions:read",))
def budget_status(call: Call, args: BudgetStatusArgs) -> dict:
    """The customer's monthly budgets this month to date: limit, spent, remaining, a month-end forecast (spent
    so far plus their usual spending for the days left) and a status: on_track, at_risk (forecast above the
    limit) or over. Use it for "how am I doing on my budgets", "can I still eat out this month"."""
    today = call.today
    month = Period(today.replace(day=1), today, f"{today:%B %Y} to date", ("months", 1))
    budgets = _budgets(call)
    if args.category:
        wanted = match_category(args.category, [b.category for b in budgets])
        budgets = [b for b in budgets if b.category == wanted]
    full_months = [Period(p.start, add_months(p.start, 1) - timedelta(days=1), "", ("months", 1))
                   for p in comparable(call, month, 3)]
    rows = history(call, full_months[-1].start if full_months else month.start, today)
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    days_left = days_in_month - today.day
    result = []
    for budget in budgets:
        mine = [t for t in rows if t.category == budget.category and t.currency == budget.currency]
        spent = spend_by(mine, month, "category").get(budget.category, Decimal(0))
        usual = (sum((spend_by(mine, p, "category").get(budget.category, Decimal(0)) for p in full_months), Decimal(0))
                 / len(full_months)) if full_months else spent / today.day * days_in_month
        forecast = spent + usual * days_left / days_in_month
        status = "over" if spent > budget.monthly_limit else "at_risk" if forecast > budget.monthly_limit else "on_track"
        left = budget.monthly_limit - spent
        result.append({"category": budget.category, "limit": amount(budget.monthly_limit), "spent": amount(spent),
                       "remaining": amount(left), "forecast_month_end": amount(forecast),
                       "usual_month": amount(usual), "status": status, "at_risk": status != "on_track",
                       "per_day_left": amount(max(left, Decimal(0)) / days_left) if days_left else None})
    return {"month": month.to_dict(), "days_left": days_left, "currency": call.customer.home_currency,
            "budgets": result,
            "forecast_basis": "spent so far plus your average monthly spending in the category for the days left"}


def _plan_budget(call: Call, args: SetBudgetArgs) -> Proposal | NoChange:
    category = match_category(args.category, CATEGORIES)
    limit = cents(args.monthly_limit)
    current = {b.category: b for b in _budgets(call)}.get(category)
    currency = call.customer.home_currency
    if current is not None and current.monthly_limit == limit:
        return NoChange({"category": category, "monthly_limit": amount(limit), "currency": currency,
                         "changed": False, "message": f"your {category} budget is already {show(limit, currency)}"})
    summary = (f"Change your {category} budget from {show(current.monthly_limit, currency)} to "
               f"{show(limit, currency)} a month" if current else
               f"Create a {category} budget of {show(limit, currency)} a month")
    return Proposal(summary=summary, args={"category": category, "monthly_limit": float(limit)})


@tool(scopes=("budgets:write",), writes=True, prepare=_plan_budget)
def set_budget(call: Call, args: SetBudgetArgs) -> dict:
    """Create or change the customer's monthly budget for one spending category. This is a write: the first
    call only prepares it and returns a summary for the customer to confirm; it runs after they say yes."""
    budget = {b.category: b for b in _budgets(call)}.get(args.category)
    previous = budget.monthly_limit if budget else None
    limit = cents(args.monthly_limit)
    if budget is None:
        budget = Budget(customer_id=call.ctx.customer_id, category=args.category, monthly_limit=limit,
                        currency=call.customer.home_currency, created_at=call.ctx.now, updated_at=call.ctx.now)
        call.session.add(budget)
    else:
        budget.monthly_limit, budget.updated_at = limit, call.ctx.now
    call.session.flush()
    return {"category": args.category, "monthly_limit": amount(limit), "currency": budget.currency,
            "previous_limit": amount(previous) if previous is not None else None,
            "changed": previous != limit}
