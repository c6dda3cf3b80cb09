"""cash_flow_forecast: the coming weeks of cash from detected recurring flows plus seasonal, variable day-to-day flows.

Built for variable incomes and the small-business persona: the variable part is a daily average of recent
non-recurring flows, scaled by last year's seasonal ratio, with an 80% band from weekly variability.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from statistics import mean, pstdev

from pydantic import Field

from tools.data import Txn, account_label, accounts, history
from tools.matching import match_one
from tools.money import amount
from tools.periods import Period
from tools.recurring import add_months, detect, occurrences
from tools.spec import Call, ToolArgs, tool

CHECKING_KINDS = ("checking", "business_checking")
RECENT_DAYS = 90
Z80 = 1.2816                         # two-sided 80% band of a normal distribution


class ForecastArgs(ToolArgs):
    days: int = Field(30, ge=7, le=90, description="How many days ahead to forecast.")
    account: str | None = Field(None, description="Only this account (name, last 4 digits or id); default all "
                                                  "checking accounts in the home currency.")


def last_full_months(today: date, count: int) -> list[Period]:
    first = today.replace(day=1)
    return [Period(add_months(first, -n), add_months(first, -n + 1) - timedelta(days=1), "", ("months", 1))
            for n in range(1, count + 1)]


def monthly_surplus(call: Call, months: int = 3) -> Decimal | None:
    """Average monthly change of cash across home-currency deposit accounts (own transfers cancel out)."""
    periods = [p for p in last_full_months(call.today, months) if not call.visible_from or p.start >= call.visible_from]
    if not periods:
        return None
    ids = [a.id for a in accounts(call, ("checking", "business_checking", "savings"))
           if a.currency == call.customer.home_currency]
    rows = history(call, periods[-1].start, periods[0].end, account_ids=ids)
    return sum((t.amount for t in rows), Decimal(0)) / len(periods)


def _daily(txns: list[Txn], start: date, end: date, incoming: bool) -> float:
    days = (end - start).days + 1
    return float(sum((abs(t.amount) for t in txns if start <= t.day <= end and (t.amount > 0) == incoming),
                     Decimal(0))) / days


def _last_year(variable: list[Txn], today: date, days: int, incoming: bool, visible: date | None) -> float | None:
    """The daily rate over the same window a year ago, when that window lies in the visible history."""
    start = add_months(today, -12)
    if (visible and start < visible) or not variable or variable[0].day > start:
        return None
    return _daily(variable, start, start + timedelta(days=days - 1), incoming)


def _rate(variable: list[Txn], today: date, days: int, incoming: bool, visible: date | None) -> float:
    """Half the recent 90-day pace, half the pace of the same weeks last year (seasonality), when known."""
    recent = _daily(variable, today - timedelta(days=RECENT_DAYS), today - timedelta(days=1), incoming)
    seasonal = _last_year(variable, today, days, incoming, visible)
    return recent if seasonal is None else (recent + seasonal) / 2


def _project(start: float, today: date, days: int, known: list[tuple[date, str, float]], rates: dict[bool, float],
             spread: float) -> dict:
    """Walk the balance day by day from today: known items on their dates plus the variable daily rates."""
    balance, lowest, weeks, shortfall = start, (start, today), [], None
    week = {"in": 0.0, "out": 0.0}
    for offset in range(days):
        day = today + timedelta(days=offset)
        items = [value for when, _, value in known if when == day]
        week["in"] += rates[True] + sum(v for v in items if v > 0)
        week["out"] += rates[False] - sum(v for v in items if v < 0)
        balance += rates[True] - rates[False] + sum(items)
        lowest = min(lowest, (balance, day))
        low = balance - Z80 * spread * math.sqrt((offset + 1) / 7)
        if shortfall is None and low < 0:
            shortfall = {"date": day.isoformat(), "low_balance": amount(low)}
        if (offset + 1) % 7 == 0 or offset == days - 1:
            weeks.append({"week_ending": day.isoformat(), "money_in": amount(week["in"]),
                          "money_out": amount(week["out"]), "end_balance": amount(balance)})
            week = {"in": 0.0, "out": 0.0}
    band = Z80 * spread * math.sqrt(days / 7)
    return {"end_balance": amount(balance), "range_80": {"low": amount(balance - band), "high": amount(balance + band)},
            "lowest": {"date": lowest[1].isoformat(), "balance": amount(lowest[0])}, "shortfall_risk": shortfall,
            "weekly": weeks}


@tool(scopes=("accounts:read", "transactions:read", "insights:personalize"))
def cash_flow_forecast(call: Call, args: ForecastArgs) -> dict:
    """Forecast of the customer's checking balance over the next `days` days (today included): known recurring
    income and bills on their expected dates plus typical day-to-day spending and variable income (adjusted for
    the season from last year's pattern), with an 80% range, the lowest point and any shortfall risk. Suited to
    variable incomes and small businesses. Use it for "will I have enough until payday", "cash flow next month"."""
    chosen = [a for a in accounts(call, CHECKING_KINDS) if a.currency == call.customer.home_currency]
    if args.account:
        wanted = match_one(args.account, {a.id: account_label(a) for a in accounts(call)}, "account")
        chosen = [a for a in accounts(call) if a.id == wanted]
    txns = history(call, account_ids=[a.id for a in chosen])
    series = [s for s in detect(txns, call.today) if s.active]
    recurring_ids = {txn_id for s in series for txn_id in s.txn_ids}
    variable = [t for t in txns if t.id not in recurring_ids]
    last = call.today + timedelta(days=args.days - 1)
    recent = call.today - timedelta(days=RECENT_DAYS)
    rates = {incoming: _rate(variable, call.today, args.days, incoming, call.visible_from) for incoming in (True, False)}
    known = sorted((day, s.merchant, float(s.typical) * (1 if s.incoming else -1))
                   for s in series for day in occurrences(s, last))
    weekly_net = [sum(float(t.amount) for t in variable
                      if recent + timedelta(days=7 * w) <= t.day < recent + timedelta(days=7 * (w + 1)))
                  for w in range(RECENT_DAYS // 7)]
    start = float(sum((a.available_balance for a in chosen), Decimal(0)))
    income = [sum(float(t.amount) for t in txns if t.amount > 0 and t.category == "income" and p.start <= t.day <= p.end)
              for p in last_full_months(call.today, 6)]
    return {"accounts": [account_label(a) for a in chosen], "currency": call.customer.home_currency,
            "start_balance": amount(start), "from": call.today.isoformat(), "to": last.isoformat(),
            **_project(start, call.today, args.days, known, rates, pstdev(weekly_net)),
            "known_items": [{"date": d.isoformat(), "merchant": m, "amount": amount(v)} for d, m, v in known[:15]],
            "typical_daily": {"money_in": amount(rates[True]), "money_out": amount(rates[False])},
            "income_variability": round(pstdev(income) / mean(income), 2) if income and mean(income) else None,
            "seasonal": _last_year(variable, call.today, args.days, True, call.visible_from) is not None,
            "basis": "recurring flows on their expected dates; other flows at half the last 90 days' pace and half "
                     "the pace of the same weeks last year; the range covers 80% of likely outcomes"}
