"""savings_goal_plan (monthly and per-paycheque contributions, a micro-savings rule), list_savings_goals and
create_savings_goal (a write)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy import func, select

from copilot.store.models import SavingsGoal
from tools.cashflow import last_full_months, monthly_surplus
from tools.data import account_label, accounts, history
from tools.income import PaySchedule, pay_schedule
from tools.matching import match_one
from tools.money import amount, cents, cents_up, show
from tools.recurring import BANDS
from tools.spec import Call, InvalidArgs, Proposal, ToolArgs, tool
from tools.untrusted import customer_text

Cadence = Literal["weekly", "biweekly", "monthly"]


class GoalArgs(ToolArgs):
    target_amount: float | None = Field(None, gt=0, le=10_000_000, description="How much the goal needs in total.")
    contribution: float | None = Field(None, gt=0, le=1_000_000,
                                       description="Or, instead of a target: save this much each `cadence` and see "
                                                   "what it adds up to by the date (\"25 a week until Christmas\").")
    cadence: Cadence = Field("monthly", description="How often `contribution` is saved.")
    target_date: date | None = Field(None, description="When the money is needed (YYYY-MM-DD).")
    months: int | None = Field(None, ge=1, le=600, description="Or: in how many months (if no target_date).")
    saved_so_far: float = Field(0, ge=0, description="Already put aside for this goal.")
    pay_cadence: Cadence | None = Field(None, description="How often the customer is paid; omit to detect it from "
                                                          "their income (needs their consent).")

    @model_validator(mode="after")
    def _when(self):
        both = self.target_amount is not None and self.contribution is not None
        if both and (self.target_date or self.months):
            raise ValueError("with both target_amount and contribution, leave out the date: the plan works out when "
                             "the target is reached")
        if not both and (self.target_date is None) == (self.months is None):
            raise ValueError("give exactly one of target_date or months")
        if self.target_amount is None and self.contribution is None:
            raise ValueError("give target_amount (how much to save for), contribution (how much you will save each "
                             "time), or both")
        return self


class CreateGoalArgs(ToolArgs):
    name: customer_text(80) = Field(min_length=1, description="What the goal is for, e.g. \"Japan trip\".")
    target_amount: float = Field(gt=0, le=10_000_000, description="How much the goal needs in total.")
    target_date: date | None = Field(None, description="When the money is needed (YYYY-MM-DD).")
    contribution: float | None = Field(None, gt=0, description="Amount per contribution; default what reaches the "
                                                               "target by the date.")
    cadence: Cadence = Field("monthly", description="How often to contribute.")
    account: str | None = Field(None, description="Savings account to hold it (name, last 4 digits or id).")


def installments(today: date, target: date, cadence: str) -> int:
    """How many contributions of this cadence fit between today and the target date (at least one)."""
    if cadence == "monthly":
        count = (target.year - today.year) * 12 + target.month - today.month - (target.day < today.day)
    else:
        count = (target - today).days // BANDS[cadence][2]
    return max(count, 1)


PER_MONTH = {"weekly": Decimal(52) / 12, "biweekly": Decimal(26) / 12, "monthly": Decimal(1)}


def _months_to_reach(args: GoalArgs) -> int:
    """Whole months a regular contribution takes to cover what is left of the target."""
    remaining = cents(args.target_amount) - cents(args.saved_so_far)
    per_month = cents(args.contribution) * PER_MONTH[args.cadence]
    return max(1, min(600, int(-(-remaining // per_month))))


def _deadline(call: Call, args: GoalArgs) -> date:
    target = args.target_date or call.today + timedelta(days=round(args.months * 30.44))
    if target <= call.today:
        raise InvalidArgs(f"target_date {target} is not in the future")
    return target


def _paycheques(call: Call, schedule: PaySchedule | None, cadence: str | None, target: date) -> tuple[str, int]:
    if schedule is not None:
        return schedule.cadence, schedule.paydays_between(call.today - timedelta(days=1), target)
    return cadence, installments(call.today, target, cadence)


def _micro_rule(call: Call, schedule: PaySchedule | None, per_pay: Decimal | None, monthly: Decimal) -> dict | None:
    """A small automatic habit that reaches the goal: a share of each paycheque when one regular paycheque is
    most of the income, otherwise a share of every deposit (variable income)."""
    months = last_full_months(call.today, 3)
    deposits = [t for t in history(call, months[-1].start, months[0].end) if t.amount > 0 and t.category == "income"]
    income = sum((t.amount for t in deposits), Decimal(0)) / len(months)
    regular = schedule.typical * Decimal(30.44) / BANDS[schedule.cadence][2] if schedule else Decimal(0)
    if schedule is not None and per_pay is not None and regular >= income * Decimal("0.6"):
        share = per_pay / schedule.typical * 100
        return {"rule": f"move {show(per_pay)} to savings every payday ({schedule.cadence}, when "
                        f"{schedule.payer} pays), about {share:.1f}% of each paycheque",
                "amount": amount(per_pay), "percent_of_pay": round(float(share), 1)}
    if not income:
        return None
    percent = float(monthly / income * 100)
    return {"rule": f"income varies, so save {percent:.1f}% of every deposit as it arrives",
            "percent_of_income": round(percent, 1)}


@tool(scopes=("transactions:read", "insights:personalize"),
      scopes_for=lambda args: () if args.pay_cadence else ("transactions:read", "insights:personalize"))
def savings_goal_plan(call: Call, args: GoalArgs) -> dict:
    """How to reach a savings target by a date: the monthly and weekly amount, the amount per paycheque (pay
    cadence detected from the customer's income, or given), a micro-savings rule aligned with their pay, and
    how the monthly amount compares with their average monthly cash surplus. Use it for "how much do I need to
    save each month for a 3000 trip in June", "can I afford to save 500 a month". With `contribution` instead of
    a target it projects what a regular saving adds up to: "if I save 25 a week, what will I have by Christmas";
    with both it works out when the target is reached ("200 every payday, how long to 5k?")."""
    if args.target_amount is not None and args.contribution is not None:
        args = args.model_copy(update={"months": _months_to_reach(args), "contribution": None})
    target = _deadline(call, args)
    if args.contribution is not None:
        return _projection(call, args, target)
    remaining = cents(args.target_amount) - cents(args.saved_so_far)
    if remaining <= 0:
        return {"target_amount": amount(args.target_amount), "remaining": 0.0, "reached": True}
    months, weeks = installments(call.today, target, "monthly"), installments(call.today, target, "weekly")
    monthly = cents_up(remaining / months)
    personal = args.pay_cadence is None
    schedule = pay_schedule(call) if personal else None
    result = {"target_amount": amount(args.target_amount), "saved_so_far": amount(args.saved_so_far),
              "remaining": amount(remaining), "target_date": target.isoformat(),
              "currency": call.customer.home_currency, "reached": False, "months": months,
              "monthly": amount(monthly), "weeks": weeks, "weekly": amount(cents_up(remaining / weeks))}
    per_pay = None
    if schedule is not None or args.pay_cadence:
        cadence, paydays = _paycheques(call, schedule, args.pay_cadence, target)
        per_pay = cents_up(remaining / max(paydays, 1))
        result["per_paycheque"] = {"cadence": cadence, "paydays": paydays, "amount": amount(per_pay)}
    if personal:
        result["micro_rule"] = _micro_rule(call, schedule, per_pay, monthly)
        result["affordability"] = _affordability(call, monthly)
    return result


def _affordability(call: Call, monthly: Decimal) -> dict | None:
    """How a monthly saving compares with the customer's average monthly cash surplus."""
    surplus = monthly_surplus(call)
    if surplus is None:
        return None
    return {"average_monthly_surplus": amount(surplus),
            "share_of_surplus": round(float(monthly / surplus * 100), 1) if surplus > 0 else None,
            "fits_surplus": surplus >= monthly}


def _projection(call: Call, args: GoalArgs, target: date) -> dict:
    """What a regular saving adds up to by the date (no interest counted)."""
    each = cents(args.contribution)
    count = installments(call.today, target, args.cadence)
    total = each * count + cents(args.saved_so_far)
    monthly = each if args.cadence == "monthly" else cents(each * Decimal(30.44) / BANDS[args.cadence][2])
    result = {"projection": True, "contribution": amount(each), "cadence": args.cadence, "contributions": count,
              "saved_so_far": amount(args.saved_so_far), "projected_total": amount(total),
              "target_date": target.isoformat(), "currency": call.customer.home_currency,
              "assumptions": "no interest counted; every contribution made on time"}
    if args.pay_cadence is None:
        result["affordability"] = _affordability(call, monthly)
    return result


def _plan_goal(call: Call, args: CreateGoalArgs) -> Proposal:
    taken = call.session.scalar(select(func.count()).select_from(SavingsGoal).where(
        SavingsGoal.customer_id == call.ctx.customer_id, SavingsGoal.status == "active",
        func.lower(SavingsGoal.name) == args.name.lower()))
    if taken:
        raise InvalidArgs(f"there is already an active savings goal called {args.name!r}; choose another name")
    if args.target_date is not None and args.target_date <= call.today:
        raise InvalidArgs(f"target_date {args.target_date} is not in the future")
    if args.contribution is None and args.target_date is None:
        raise InvalidArgs("give a contribution amount or a target_date to work it out from")
    savers = {a.id: account_label(a) for a in accounts(call, ("savings",))}
    account = match_one(args.account, savers, "savings account") if args.account else None
    contribution = cents(args.contribution) if args.contribution else \
        cents_up(cents(args.target_amount) / installments(call.today, args.target_date, args.cadence))
    currency = call.customer.home_currency
    when = f" by {args.target_date.isoformat()}" if args.target_date else ""
    into = f" into {savers[account]}" if account else ""
    summary = (f"Create the savings goal \"{args.name}\": {show(cents(args.target_amount), currency)}{when}, "
               f"saving {show(contribution, currency)} {args.cadence}{into}")
    resolved = {"contribution": float(contribution)} | ({"account": account} if account else {})
    return Proposal(summary=summary, args=args.model_dump(mode="json", exclude_none=True) | resolved)


class ListGoalsArgs(ToolArgs):
    status: Literal["active", "all"] = Field("active", description="Only active goals, or every goal.")


@tool(scopes=("accounts:read",))
def list_savings_goals(call: Call, args: ListGoalsArgs) -> dict:
    """The customer's savings goals: target, saved so far, target date and regular contribution of each."""
    query = select(SavingsGoal).where(SavingsGoal.customer_id == call.ctx.customer_id)
    if args.status == "active":
        query = query.where(SavingsGoal.status == "active")
    goals = call.session.scalars(query.order_by(SavingsGoal.created_at, SavingsGoal.id)).all()
    return {"goals": [{"name": g.name, "target_amount": amount(g.target_amount), "saved": amount(g.saved_amount),
                       "target_date": g.target_date.isoformat() if g.target_date else None,
                       "contribution": amount(g.contribution) if g.contribution else None,
                       "cadence": g.contribution_cadence, "status": g.status, "currency": g.currency}
                      for g in goals]}


@tool(scopes=("goals:write",), writes=True, prepare=_plan_goal)
def create_savings_goal(call: Call, args: CreateGoalArgs) -> dict:
    """Create a savings goal (name, target, optional date, regular contribution, optional savings account).
    This is a write: the first call only prepares it and returns a summary for the customer to confirm."""
    goal = SavingsGoal(customer_id=call.ctx.customer_id, name=args.name, target_amount=cents(args.target_amount),
                       saved_amount=Decimal(0), currency=call.customer.home_currency, target_date=args.target_date,
                       contribution=cents(args.contribution) if args.contribution else None,
                       contribution_cadence=args.cadence, account_id=args.account, status="active",
                       created_at=call.ctx.now)
    call.session.add(goal)
    call.session.flush()
    return {"goal_id": goal.id, "name": goal.name, "target_amount": amount(goal.target_amount),
            "target_date": goal.target_date.isoformat() if goal.target_date else None,
            "contribution": amount(goal.contribution) if goal.contribution else None,
            "cadence": goal.contribution_cadence, "currency": goal.currency}
