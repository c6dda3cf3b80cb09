"""Value parsers: what a span the model found is worth (money, periods, dates, deadlines), and absurd values refused."""

from __future__ import annotations

from datetime import date

import pytest

from copilot.nlu import values
from copilot.nlu.values import ValueProblem

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("text, value, currency", [
    ("$600", 600, "USD"), ("1,250.50", 1250.5, None), ("3k", 3000, None), ("£200", 200, "GBP"),
    ("2,500 euros", 2500, "EUR"), ("$1.2k", 1200, "USD"), ("two hundred dollars", 200, "USD"),
    ("fifty bucks", 50, "USD"), ("5 grand", 5000, None), ("¥18,000", 18000, "JPY"), ("1,200 quid", 1200, "GBP"),
    ("ten thousand", 10000, None),
])
def test_money_in_the_forms_customers_type(text, value, currency):
    assert values.money(text) == values.Money(value, currency)


@pytest.mark.parametrize("text", ["1e308", "-600", "0", "minus 50", "99999999999"])
def test_absurd_or_negative_money_is_a_question_not_a_guess(text):
    with pytest.raises(ValueProblem):
        values.money(text)


@pytest.mark.parametrize("text, expected", [
    ("last month", {"period": "last_month"}), ("this pay period", {"period": "this_pay_period"}),
    ("October", {"period": "2026-10"}), ("since March", {"start_date": "2026-03-01", "end_date": "2026-11-28"}),
    ("the last 3 months", {"start_date": "2026-08-30", "end_date": "2026-11-28"}),
    ("yesterday", {"start_date": "2026-11-27", "end_date": "2026-11-27"}), ("so far this year", {"period": "ytd"}),
    ("October 2025", {"period": "2025-10"}), ("since 3 Oct", {"start_date": "2026-10-03", "end_date": "2026-11-28"}),
])
def test_periods(text, expected):
    assert values.period(text, TODAY).as_args() == expected


@pytest.mark.parametrize("text", ["year 0001", "99999", "the last 50 years"])
def test_out_of_range_periods_are_questions(text):
    with pytest.raises(ValueProblem):
        values.period(text, TODAY)


def test_the_month_before_and_after_step_from_the_last_period():
    assert values.shifted({"period": "last_month"}, TODAY, forward=False).as_args() == {"period": "2026-09"}
    assert values.shifted({"period": "2026-09"}, TODAY, forward=False).as_args() == {"period": "2026-08"}
    assert values.shifted({"period": "2026-09"}, TODAY, forward=True).as_args() == {"period": "2026-10"}
    assert values.shifted({"period": "this_month"}, TODAY, forward=True) is None


@pytest.mark.parametrize("text, expected", [
    ("24 Nov", date(2026, 11, 24)), ("the 24th", date(2026, 11, 24)), ("Monday", date(2026, 11, 23)),
    ("2026-11-01", date(2026, 11, 1)), ("nov 3rd", date(2026, 11, 3)), ("yesterday", date(2026, 11, 27)),
])
def test_single_days_are_in_the_past(text, expected):
    assert values.day(text, TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    ("by June", date(2027, 6, 1)), ("in 8 months", date(2027, 7, 28)), ("by next summer", date(2027, 6, 1)),
    ("by the end of the year", date(2026, 12, 31)), ("by christmas", date(2026, 12, 20)),
    ("by next christmas", date(2027, 12, 20)), ("by 2028", date(2028, 1, 1)),
    ("end of august", date(2027, 8, 31)), ("on the 28th", date(2026, 12, 28)), ("by the 3rd", date(2026, 12, 3)),
    ("this weekend", date(2026, 11, 29)), ("on december 15", date(2026, 12, 15)), ("the 3rd of jan", date(2027, 1, 3)),
    ("nov 30", date(2026, 11, 30)), ("15th of november", date(2027, 11, 15)),
])
def test_goal_deadlines(text, expected):
    assert values.deadline(text, TODAY).day == expected


def test_a_deadline_in_the_past_or_centuries_away_is_a_question():
    with pytest.raises(ValueProblem):
        values.deadline("by 2020", TODAY)
    with pytest.raises(ValueProblem):
        values.deadline("in 900 years", TODAY)
    with pytest.raises(ValueProblem):
        values.deadline("february 30", TODAY)


@pytest.mark.parametrize("text", ["since when", "the", "before i get paid", "whenever"])
def test_words_that_name_no_time_are_no_value_not_a_question(text):
    for parse in (values.period, values.day, values.deadline):
        with pytest.raises(values.NoValue):
            parse(text, TODAY)


@pytest.mark.parametrize("text", ["Febtember 40th", "the 45th", "since 1850"])
def test_a_time_that_cannot_be_read_is_still_a_question(text):
    problems = []
    for parse in (values.period, values.day):
        try:
            parse(text, TODAY)
        except ValueProblem as problem:
            problems.append(problem)
    assert problems and not any(isinstance(p, values.NoValue) for p in problems), text


@pytest.mark.parametrize("text, days", [("next 2 weeks", 14), ("the coming month", 30), ("next 60 days", 60)])
def test_horizons(text, days):
    assert values.horizon(text, TODAY) == days


def test_counts_cadences_ordinals_and_currencies():
    assert values.count("5") == 5 and values.count("ten") == 10
    assert values.cadence("every payday") == "per_paycheque" and values.cadence("a month") == "monthly"
    assert values.cadence("fortnightly") == "biweekly"
    assert values.ordinal("the second one") == 2 and values.ordinal("the last") == -1 and values.ordinal("#3") == 3
    assert values.currency("in euros") == "EUR" and values.currency("yen") == "JPY"
