"""Natural periods ("last_month", "this_pay_period", "ytd", "october", explicit dates) and their previous periods."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pydantic import Field

from tools.income import pay_schedule
from tools.recurring import add_months
from tools.spec import Call, InvalidArgs, ToolArgs

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
ALIASES = {"year_to_date": "ytd", "this_year": "ytd", "current_month": "this_month", "previous_month": "last_month",
           "this_paycheck": "this_pay_period", "last_paycheck": "last_pay_period", "past_month": "last_30_days",
           "this_pay_cycle": "this_pay_period", "last_pay_cycle": "last_pay_period"}
PERIOD_HELP = ("this_month, last_month, this_week, last_week, last_7_days, last_30_days, last_90_days, last_N_days, "
               "last_N_months, this_pay_period, last_pay_period, ytd, last_year, a month name (october) or YYYY-MM, "
               "or start_date/end_date")


@dataclass(frozen=True)
class Period:
    """Inclusive dates plus how to step back to the comparable previous period."""

    start: date
    end: date
    label: str
    step: tuple[str, int]                 # ("months", n) | ("days", n) | ("years", 1)
    note: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def _whole_months(self) -> bool:
        return self.start.day == 1 and self.end == add_months(self.start, self.step[1]) - timedelta(days=1)

    def previous(self) -> Period:
        unit, size = self.step
        if unit == "days":
            start, end = self.start - timedelta(days=size), self.end - timedelta(days=size)
        else:
            months = size * (12 if unit == "years" else 1)
            start = add_months(self.start, -months)
            end = (add_months(start, months) - timedelta(days=1) if self._whole_months()
                   else add_months(self.end, -months))
        whole_month = start.day == 1 and end == add_months(start, 1) - timedelta(days=1)
        label = f"{start:%B %Y}" if whole_month else f"{start.isoformat()} to {end.isoformat()}"
        return Period(start, end, label, self.step)

    def to_dict(self) -> dict:
        data = {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.note:
            data["note"] = self.note
        return data


def _month(year: int, month: int, today: date, label: str) -> Period:
    start = date(year, month, 1)
    end = min(add_months(start, 1) - timedelta(days=1), today)
    return Period(start, end, label, ("months", 1))


def _pay_period(call: Call, which: str) -> Period:
    schedule = pay_schedule(call)
    today = call.today
    if schedule is None:
        return replace(_named(call, f"{which}_month"),
                       note="no regular paycheque found in your history, so a calendar month is used")
    paydays = [day for day in schedule.dates if day <= today]
    label = f"{which} pay period ({schedule.cadence}, paid by {schedule.payer})"
    if which == "this":
        return Period(paydays[-1], today, label, schedule.step)
    if len(paydays) < 2:
        raise InvalidArgs("only one paycheque so far, so there is no previous pay period yet; use this_pay_period")
    return Period(paydays[-2], paydays[-1] - timedelta(days=1), label, schedule.step)


def _named(call: Call, name: str) -> Period:
    today = call.today
    last_month = add_months(today.replace(day=1), -1)
    monday = today - timedelta(days=today.weekday())
    fixed = {
        "today": lambda: Period(today, today, "today", ("days", 1)),
        "this_week": lambda: Period(monday, today, "this week", ("days", 7)),
        "last_week": lambda: Period(monday - timedelta(days=7), monday - timedelta(days=1), "last week", ("days", 7)),
        "this_month": lambda: _month(today.year, today.month, today, f"this month ({today:%B %Y}, to date)"),
        "last_month": lambda: _month(last_month.year, last_month.month, today, f"last month ({last_month:%B %Y})"),
        "ytd": lambda: Period(date(today.year, 1, 1), today, f"{today.year} to date", ("years", 1)),
        "last_year": lambda: Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), str(today.year - 1),
                                    ("years", 1)),
        "this_pay_period": lambda: _pay_period(call, "this"),
        "last_pay_period": lambda: _pay_period(call, "last"),
    }
    if name in fixed:
        return fixed[name]()
    if match := re.fullmatch(r"last_(\d{1,3})_days", name):
        days = int(match[1])
        return Period(today - timedelta(days=days - 1), today, f"last {days} days", ("days", days))
    if match := re.fullmatch(r"last_(\d{1,2})_months", name):
        months = int(match[1])
        start = add_months(today.replace(day=1), -months)
        return Period(start, today.replace(day=1) - timedelta(days=1), f"last {months} full months", ("months", months))
    if match := re.fullmatch(r"(\d{4})[-_](\d{1,2})", name):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or date(year, month, 1) > today:
            raise InvalidArgs(f"month {year}-{month:02d} is not a past month")
        return _month(year, month, today, f"{date(year, month, 1):%B %Y}")
    if name in MONTHS:
        month = MONTHS[name]
        year = today.year if month <= today.month else today.year - 1
        return _month(year, month, today, f"{date(year, month, 1):%B %Y}")
    raise InvalidArgs(f"unknown period {name!r}; use one of: {PERIOD_HELP}")


def resolve(call: Call, period: str | None, start: date | None = None, end: date | None = None,
            default: str = "this_month") -> Period:
    """The period a tool should cover: explicit dates win, then the named period, then the default."""
    if start or end:
        if start is None:
            raise InvalidArgs("end_date needs a start_date too (or use a named period)")
        end = min(end or call.today, call.today)
        if start > end:
            raise InvalidArgs(f"start_date {start} is after end_date {end}")
        days = (end - start).days + 1
        return Period(start, end, f"{start.isoformat()} to {end.isoformat()}", ("days", days))
    name = re.sub(r"[\s\-]+", "_", (period or default).strip().lower())
    return _named(call, ALIASES.get(name, name))


class PeriodArgs(ToolArgs):
    """Arguments shared by tools that cover a period of history."""

    period: str | None = Field(None, description=f"A named period: {PERIOD_HELP}.")
    start_date: date | None = Field(None, description="First day (YYYY-MM-DD); overrides period.")
    end_date: date | None = Field(None, description="Last day (YYYY-MM-DD), default today.")


def describe(call: Call, period: Period) -> dict:
    """The period for a result, saying so when the consented lookback hides its beginning."""
    data = period.to_dict()
    if call.visible_from and call.visible_from > period.start:
        data["visible_from"] = call.visible_from.isoformat()
        data["note"] = "the transaction history you shared starts later than this period"
    return data
