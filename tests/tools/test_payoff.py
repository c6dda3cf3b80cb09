"""Debt payoff engine: cross-checked with numpy-financial and a published amortization table, to the month and cent."""

from __future__ import annotations

import math
from decimal import Decimal as D

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tools.conftest import call, ok
from tools.payoff import Debt, baseline, order_debts, simulate

# numpy-financial's documented schedule for a 1-year $2,500 loan at 8.24% (npf.ipmt docstring): interest per month
PUBLISHED_2500_AT_824 = ["17.17", "15.79", "14.40", "13.01", "11.60", "10.18", "8.76", "7.32", "5.88", "4.42",
                         "2.96", "1.49"]


def one(balance: str, apr: str, payment: str):
    debt = Debt("loan", D(balance), D(apr), D(payment))
    return simulate([debt], D(payment), ["loan"])


def test_matches_numpy_financial_nper_to_the_month_and_the_final_payment_to_the_cent():
    plan = one("5000", "19.99", "200")
    months = npf.nper(0.1999 / 12, -200, 5000)
    assert round(float(months), 1) == 32.6 and plan.months == math.ceil(months) == 33
    left_after_32 = -npf.fv(0.1999 / 12, 32, -200, 5000)           # balance owed after 32 payments
    final = left_after_32 * (1 + 0.1999 / 12)
    assert abs(float(plan.schedule[-1]["payment"]) - final) < 0.05
    assert abs(float(plan.total_interest) - (32 * 200 + final - 5000)) < 0.10
    assert plan.total_paid == D("5000") + plan.total_interest


def test_reproduces_the_published_amortization_schedule():
    payment = -npf.pmt(0.0824 / 12, 12, 2500)
    assert round(payment, 2) == 217.75
    plan = one("2500", "8.24", "217.75")
    assert plan.months == 12
    interest = [row["interest"] for row in plan.schedule]
    assert interest[:11] == [D(x) for x in PUBLISHED_2500_AT_824[:11]], "month by month, to the cent"
    assert abs(interest[11] - D(PUBLISHED_2500_AT_824[11])) <= D("0.01"), "last month within a cent of rounding"
    assert abs(plan.total_interest - D("112.98")) <= D("0.01")
    assert plan.schedule[0]["balance"] == D("2299.42") and plan.schedule[-1]["balance"] == 0


def test_fifteen_year_mortgage_and_nper_examples_from_the_numpy_financial_docs():
    exact = -npf.pmt(0.075 / 12, 180, 200000)                    # 1854.0247...
    mortgage = one("200000", "7.5", f"{math.ceil(exact * 100) / 100:.2f}")
    assert mortgage.months == 180
    assert abs(float(mortgage.total_interest) - (exact * 180 - 200000)) < 180 * 0.005, "within half a cent a month"
    car = one("8000", "7", "150")
    assert car.months == math.ceil(npf.nper(0.07 / 12, -150, 8000)) == 65


@pytest.mark.parametrize("balance, apr, years", [("165000", "4.5", 30), ("550000", "3.0", 30), ("200000", "6.0", 30),
                                                  ("320000", "6.875", 30), ("250000", "5.25", 15), ("30000", "7.9", 5),
                                                  ("12000", "0", 4)])
def test_a_loan_at_its_rounded_published_payment_takes_its_term_to_the_month(balance, apr, years):
    rate, term = float(apr) / 1200, years * 12
    payment = round(-npf.pmt(rate, term, float(balance)) if rate else float(balance) / term, 2)  # to the cent, as quoted
    plan = one(balance, apr, f"{payment:.2f}")
    assert plan.months == term, f"{balance} at {apr}% paying {payment:.2f}: {plan.months} months, not {term}"
    exact_interest = -float(sum(npf.ipmt(rate, range(1, term + 1), term, float(balance)))) if rate else 0.0
    assert abs(float(plan.total_interest) - exact_interest) < 5, "total interest within a few dollars of the schedule"
    assert abs(plan.schedule[-1]["payment"] - D(f"{payment:.2f}")) <= D(f"{payment:.2f}") * D("0.01"), \
        "the last payment differs from the others by the residual cents only"


def test_a_residual_is_absorbed_only_when_it_is_cents_not_a_real_last_month():
    # worked by hand, at 0% so each month takes exactly the payment
    overpaid = one("1000", "0", "333.34")                   # the third payment is what is left: 333.32
    assert overpaid.months == 3 and overpaid.schedule[-1]["payment"] == D("333.32")
    cents_left = one("1000", "0", "333.00")                 # 1.00 would be left: under 1% of 333, paid with it
    assert cents_left.months == 3 and cents_left.schedule[-1]["payment"] == D("334.00")
    assert cents_left.total_paid == D("1000")
    for payment, last in (("332", "4"), ("330", "10")):    # 4.00 (1.2%) and 10.00 left are a real fourth month
        plan = one("1000", "0", payment)
        assert plan.months == 4 and plan.schedule[-1]["payment"] == D(last), (payment, plan.schedule[-1])


def test_a_payment_that_cannot_cover_interest_never_pays_off():
    plan = one("5000", "24", "100")                                # interest is exactly 100 a month
    assert plan.never and plan.months is None and len(plan.schedule) == 12
    assert plan.schedule[-1]["balance"] == D("5000"), "the balance does not move"
    stuck = baseline([Debt("card", D("3000"), D("30"), D("50")), Debt("loan", D("1000"), D("5"), D("100"))])
    assert stuck.never and [o.months for o in stuck.per_debt] == [None, 11]


def test_avalanche_pays_least_interest_snowball_clears_small_debts_first_custom_follows_the_order():
    debts = [Debt("Visa", D("6000"), D("24.99"), D("150")), Debt("Store", D("900"), D("29.99"), D("35")),
             Debt("Car", D("4000"), D("6.5"), D("120")), Debt("Med", D("500"), D("0"), D("25"))]
    assert order_debts(debts, "avalanche") == ["Store", "Visa", "Car", "Med"]
    assert order_debts(debts, "snowball") == ["Med", "Store", "Car", "Visa"]
    assert order_debts(debts, "custom", ["Car"]) == ["Car", "Store", "Visa", "Med"]
    budget = D("700")
    plans = {s: simulate(debts, budget, order_debts(debts, s, ["Car"])) for s in ("avalanche", "snowball", "custom")}
    assert plans["avalanche"].total_interest < plans["snowball"].total_interest
    assert plans["avalanche"].total_interest < plans["custom"].total_interest
    snow = {o.name: o.months for o in plans["snowball"].per_debt}
    assert snow["Med"] < snow["Store"] < snow["Visa"]
    for plan in plans.values():
        assert all(row["payment"] == budget for row in plan.schedule[:-1]), "freed minimums roll into the plan"
        assert plan.total_paid == sum(d.balance for d in debts) + plan.total_interest
    base = baseline(debts)
    assert base.months > plans["avalanche"].months and base.total_interest > plans["avalanche"].total_interest


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(100, 20000), st.integers(0, 3600), st.integers(25, 600)), min_size=1, max_size=4),
       st.integers(0, 3000))
def test_money_is_conserved_and_the_budget_never_exceeded(rows, extra):
    debts = [Debt(f"d{i}", D(balance), D(apr) / 100, D(minimum)) for i, (balance, apr, minimum) in enumerate(rows)]
    budget = sum(d.min_payment for d in debts) + extra
    plan = simulate(debts, budget, order_debts(debts, "avalanche"))
    assert all(row["payment"] <= budget or row.get("paid_off") and row["payment"] <= budget * D("1.01")
               for row in plan.schedule), "over budget only by the residual cents a final payment absorbs"
    if not plan.never:
        assert plan.total_paid == sum(d.balance for d in debts) + plan.total_interest
        assert sum(o.interest for o in plan.per_debt) == plan.total_interest
        assert len(plan.schedule) == min(plan.months, 360)
        assert plan.months > 360 or plan.schedule[-1]["balance"] == 0


def test_tool_contract_for_hypothetical_debts(ctx):
    result = ok(ctx, "debt_payoff_plan", debts=[{"name": "Visa", "balance": 5000, "apr": 19.99, "min_payment": 100}],
                monthly_payment=600, strategy="avalanche")
    for key in ("strategy", "months", "total_interest", "payoff_date", "per_debt", "baseline", "interest_saved",
                "schedule"):
        assert key in result, key
    engine = one("5000", "19.99", "600")
    assert result["months"] == engine.months == 10 and result["total_interest"] == float(engine.total_interest)
    assert result["per_debt"] == [{"name": "Visa", "balance": 5000.0, "apr": 19.99, "min_payment": 100.0,
                                   "months": 10, "payoff_date": "2027-09-28", "interest": float(engine.total_interest)}]
    assert result["baseline"]["months"] == one("5000", "19.99", "100").months
    assert result["interest_saved"] == round(result["baseline"]["total_interest"] - result["total_interest"], 2)
    assert result["schedule"][0] == {"month": 1, "date": "2026-12-28", "payment": 600.0, "interest": 83.29,
                                     "balance": 4483.29}
    assert result["source"] == "arguments"


def test_own_cards_from_the_customers_accounts(runtime, ctx):
    from sqlalchemy import select

    from copilot.store.models import Account

    with runtime.db.session() as session:
        cards = session.scalars(select(Account).where(Account.customer_id == "demo-debt",
                                                      Account.kind == "credit_card")).all()
    minimums = sum(float(a.min_payment) for a in cards)
    result = ok(ctx, "debt_payoff_plan", monthly_payment=600, debt_types="cards")
    assert result["source"] == "accounts" and len(result["per_debt"]) == 2
    assert result["order"][0].startswith("HomeStyle Store Card"), "avalanche: the 29.99% card first"
    assert {d["balance"] for d in result["per_debt"]} == {float(a.current_balance) for a in cards}
    assert result["baseline"]["monthly_payment"] == round(minimums, 2) and result["interest_saved"] > 0
    too_little = call(ctx, "debt_payoff_plan", monthly_payment=200, debt_types="cards")
    assert too_little.status == "invalid_args" and f"${minimums:,.2f}" in too_little.error
    never = ok(ctx, "debt_payoff_plan", debts=[{"name": "Card", "balance": 10000, "apr": 30, "min_payment": 250}])
    assert never["never_pays_off"] and never["months"] is None and never["total_interest"] is None
    assert never["note"].startswith("no monthly payment given")
