"""Shared helpers: natural periods and their previous periods, fuzzy matching, money rounding, recurring cadence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copilot import consent
from tests.tools.conftest import context
from tools.matching import match_category, match_merchants, match_one
from tools.money import amount, cents, cents_up, show
from tools.periods import resolve
from tools.recurring import add_months, classify_cadence
from tools.spec import Call, InvalidArgs


@pytest.fixture
def period_of(runtime):
    """resolve() for demo-newjob (biweekly pay) on the frozen clock, 2026-11-28."""
    def resolve_for(period=None, start=None, end=None, customer="demo-newjob"):
        ctx = context(runtime, customer)
        with runtime.db.session() as session:
            call = Call(ctx, session, consent.current_state(session, customer, ctx.now))
            return resolve(call, period, start, end)
    return resolve_for


@pytest.mark.parametrize("name, start, end", [
    ("this_month", "2026-11-01", "2026-11-28"), ("last month", "2026-10-01", "2026-10-31"),
    ("last_30_days", "2026-10-30", "2026-11-28"), ("last-7-days", "2026-11-22", "2026-11-28"),
    ("this_week", "2026-11-23", "2026-11-28"), ("last_week", "2026-11-16", "2026-11-22"),
    ("ytd", "2026-01-01", "2026-11-28"), ("year to date", "2026-01-01", "2026-11-28"),
    ("last_year", "2025-01-01", "2025-12-31"), ("last_3_months", "2026-08-01", "2026-10-31"),
    ("october", "2026-10-01", "2026-10-31"), ("Dec", "2025-12-01", "2025-12-31"), ("2026-02", "2026-02-01", "2026-02-28"),
    ("this_pay_period", "2026-11-15", "2026-11-28"), ("last_pay_period", "2026-11-01", "2026-11-14"),
])
def test_named_periods(period_of, name, start, end):
    period = period_of(name)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_previous_periods_are_comparable(period_of):
    last_month = period_of("last_month")
    assert (last_month.previous().start, last_month.previous().end) == (date(2026, 9, 1), date(2026, 9, 30))
    assert last_month.previous().previous().end == date(2026, 8, 31), "whole months stay whole"
    to_date = period_of("this_month").previous()
    assert (to_date.start, to_date.end) == (date(2026, 10, 1), date(2026, 10, 28)), "to date vs the same days"
    pay = period_of("this_pay_period").previous()
    assert (pay.start, pay.end) == (date(2026, 11, 1), date(2026, 11, 14))
    ytd = period_of("ytd").previous()
    assert (ytd.start, ytd.end) == (date(2025, 1, 1), date(2025, 11, 28))


def test_explicit_dates_win_and_bad_periods_explain_themselves(period_of):
    period = period_of("last_month", date(2026, 6, 3), date(2026, 6, 9))
    assert (period.start, period.end, period.days) == (date(2026, 6, 3), date(2026, 6, 9), 7)
    assert period.previous().start == date(2026, 5, 27)
    assert period_of(None, date(2026, 11, 20)).end == date(2026, 11, 28), "open end means today"
    for bad, message in (("fortnight ago", "unknown period"), ("2027-01", "not a past month")):
        with pytest.raises(InvalidArgs, match=message):
            period_of(bad)
    with pytest.raises(InvalidArgs, match="after end_date"):
        period_of(None, date(2026, 11, 20), date(2026, 11, 1))


def test_merchant_category_and_choice_matching():
    merchants = ["Netflix", "Spotify", "Spotify Concerts", "Whole Foods Market", "Trader Joe's", "Olive Garden"]
    assert match_merchants("spotify", merchants) == ["Spotify"], "an exact name wins over longer ones"
    assert match_merchants("wholefoods", merchants) == ["Whole Foods Market"]
    assert match_merchants("trader joes", merchants) == ["Trader Joe's"]
    assert match_merchants("zara", merchants) == []
    assert match_category("Restaurants", ["dining", "groceries"]) == "dining"
    assert match_category("grocery", ["dining", "groceries"]) == "groceries"
    with pytest.raises(InvalidArgs, match="categories are: dining, groceries"):
        match_category("yachts", ["dining", "groceries"])
    cards = {"c1": "Cashback Visa ••3424", "c2": "HomeStyle Store Card ••9351", "c3": "Travel Visa ••1111"}
    assert match_one("store card", cards, "card") == "c2"
    with pytest.raises(InvalidArgs, match="several cards"):
        match_one("visa", cards, "card")


def test_money_rounds_half_up_to_the_cent():
    assert cents(2.675) == Decimal("2.68") and cents("0.005") == Decimal("0.01")
    assert amount(Decimal("1.005")) == 1.01 and cents_up(Decimal("33.3301")) == Decimal("33.34")
    assert show(Decimal("-1234.5")) == "-$1,234.50" and show(1500, "JPY") == "¥1,500" and show(3, "CHF") == "3.00 CHF"


def test_cadence_and_month_arithmetic():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 2, 28), 1, anchor=31) == date(2026, 3, 31)
    monthly = [date(2026, m, 28 if m == 2 else 30) for m in range(1, 8)]
    assert classify_cadence(monthly) == "monthly"
    assert classify_cadence([date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 29), date(2026, 2, 12)]) == "biweekly"
    assert classify_cadence([date(2026, 1, 1), date(2026, 1, 4), date(2026, 2, 20), date(2026, 2, 21)]) is None
