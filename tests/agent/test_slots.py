"""Slot extraction: the amounts, periods, merchants, debts and goals customers actually type."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copilot.agent import slots

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("text, value, currency, monthly", [
    ("how long if I pay $600 a month?", Decimal("600"), "USD", True),
    ("i can do 1,250.50 monthly", Decimal("1250.50"), None, True),
    ("save 3k for a trip", Decimal("3000"), None, False),
    ("£200 on groceries", Decimal("200"), "GBP", False),
    ("about 2,500 euros", Decimal("2500"), "EUR", False),
    ("help me save 2000 for a holiday by june", Decimal("2000"), None, False),
    ("I owe 2000 on my card", Decimal("2000"), None, False),
])
def test_amounts(text, value, currency, monthly):
    found = slots.amounts(text)
    assert found and found[0].value == value and found[0].currency == currency and found[0].monthly == monthly


@pytest.mark.parametrize("text", ["card ending in 4821", "since 3 march", "in 2025", "19.99% apr", "in 8 months",
                                  "since May 2024", "my 2025 statement", "what did I spend in 2025?"])
def test_things_that_are_not_amounts(text):
    assert slots.amounts(text) == []


@pytest.mark.parametrize("text, expected", [
    ("how much did I spend last month", {"period": "last_month"}),
    ("this pay period so far", {"period": "this_pay_period"}),
    ("spending in October", {"period": "2026-10"}),
    ("since March", {"start_date": "2026-03-01", "end_date": "2026-11-28"}),
    ("over the last 3 months", {"start_date": "2026-08-30", "end_date": "2026-11-28"}),
    ("what did I buy yesterday", {"start_date": "2026-11-27", "end_date": "2026-11-27"}),
    ("so far this year", {"period": "ytd"}),
])
def test_periods(text, expected):
    assert slots.period(text, TODAY).as_args() == expected


def test_the_month_before_steps_back_from_the_last_period():
    assert slots.previous_period({"period": "last_month"}, TODAY).as_args() == {"period": "2026-09"}
    assert slots.previous_period({"period": "2026-09"}, TODAY).as_args() == {"period": "2026-08"}


def test_merchant_matching_is_typo_tolerant_and_ignores_plain_words():
    merchants = ["Whole Foods Market", "Shell", "Netflix", "Uber Trip", "Target"]
    assert slots.merchant("spent at wholefoods?", merchants) == "Whole Foods Market"
    assert slots.merchant("what did i pay at shel yesterday", merchants) == "Shell"
    assert slots.merchant("netflx price", merchants) == "Netflix"
    assert slots.merchant("how much did I spend last month", merchants) is None


def test_banking_words_are_not_merchants_but_transfers_keep_their_payee():
    merchants = ["Payment from Everyday Checking", "Transfer to Rainy Day Savings", "Olive Garden"]
    assert slots.merchant("why is my card payment still pending?", merchants) is None
    assert slots.merchant("show my transfers to rainy day savings", merchants) == "Transfer to Rainy Day Savings"


def test_category_synonyms():
    assert slots.category("how much on takeout") == "dining"
    assert slots.category("petrol this month") == "fuel"
    assert slots.category("my electricity bill") == "utilities"


def test_hypothetical_debts_from_one_message():
    debts = slots.hypothetical_debts("I have 5000 on a visa at 19.99% with a 100 minimum and a 3k loan at 7%")
    assert debts == [{"name": "Visa", "balance": 5000.0, "apr": 19.99, "min_payment": 100.0},
                     {"name": "Loan", "balance": 3000.0, "apr": 7.0}]
    assert slots.monthly_payment("and I can pay 400 a month") == 400.0


@pytest.mark.parametrize("text, expected", [
    ("by June", date(2027, 6, 1)), ("in 8 months", date(2027, 7, 28)), ("by next summer", date(2027, 6, 1)),
    ("by the end of the year", date(2026, 12, 31)), ("by christmas", date(2026, 12, 20)),
    ("by next christmas", date(2027, 12, 20)),
])
def test_goal_deadlines(text, expected):
    assert slots.target_date(text, TODAY)[0] == expected


def test_goal_names():
    assert slots.goal_name("save 3k for a trip to Japan by June") == "trip to Japan"
    assert slots.goal_name("start an emergency fund") == "emergency fund"


def test_days_to_a_named_month_and_may_as_a_verb():
    assert slots.days_to_named_month("january is always dead", TODAY) == 64
    assert slots.days_to_named_month("we may dip under 10k", TODAY) is None
    assert slots.days_to_named_month("how about in may", TODAY) == (date(2027, 5, 31) - TODAY).days
