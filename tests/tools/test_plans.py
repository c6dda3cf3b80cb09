"""Savings goals, cash-flow forecast and credit guidance on the demo personas, against independent arithmetic."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from copilot.store.models import Account, Transaction
from tests.tools.conftest import account, call, ok


def test_savings_plan_per_month_week_and_paycheque(runtime, make_ctx):
    result = ok(make_ctx("demo-newjob"), "savings_goal_plan", target_amount=3000, target_date="2027-06-01")
    assert (result["months"], result["monthly"]) == (6, 500.0)
    assert (result["weeks"], result["weekly"]) == (26, 115.39), "3000 / 26 rounded up to the cent"
    with runtime.db.session() as session:
        last_pay = session.scalar(select(func.max(Transaction.occurred_at)).where(
            Transaction.customer_id == "demo-newjob", Transaction.merchant == "Northwind Analytics Payroll")).date()
    paydays = [last_pay + timedelta(days=14 * n) for n in range(1, 20)]
    count = sum(date(2026, 11, 28) <= day <= date(2027, 6, 1) for day in paydays)
    assert result["per_paycheque"] == {"cadence": "biweekly", "paydays": count, "amount": 214.29}
    assert result["micro_rule"]["percent_of_pay"] == round(214.29 / 2145.38 * 100, 1)
    assert "every payday" in result["micro_rule"]["rule"]


def test_savings_affordability_uses_the_cash_surplus_of_the_last_three_months(runtime, make_ctx):
    result = ok(make_ctx("demo-debt"), "savings_goal_plan", target_amount=1200, months=12, saved_so_far=200)
    assert result["remaining"] == 1000.0
    with runtime.db.session() as session:
        deposit_ids = session.scalars(select(Account.id).where(Account.customer_id == "demo-debt",
                                                               Account.kind.in_(("checking", "savings"))))
        moved = session.scalar(select(func.sum(Transaction.amount)).where(
            Transaction.account_id.in_(list(deposit_ids)),
            Transaction.occurred_at >= datetime.combine(date(2026, 8, 1), time(0), tzinfo=timezone.utc),
            Transaction.occurred_at < datetime.combine(date(2026, 11, 1), time(0), tzinfo=timezone.utc)))
    surplus = float((Decimal(moved) / 3).quantize(Decimal("0.01")))
    assert result["affordability"]["average_monthly_surplus"] == surplus
    assert result["affordability"]["fits_surplus"] == (surplus >= result["monthly"])


def test_variable_income_gets_a_share_of_every_deposit_rule(make_ctx):
    result = ok(make_ctx("demo-gig"), "savings_goal_plan", target_amount=3000, target_date="2027-06-01")
    assert "every deposit" in result["micro_rule"]["rule"] and result["micro_rule"]["percent_of_income"] > 0


def test_savings_plan_edge_cases(ctx):
    assert ok(ctx, "savings_goal_plan", target_amount=500, months=3, saved_so_far=600,
              pay_cadence="monthly")["reached"] is True
    past = call(ctx, "savings_goal_plan", target_amount=500, target_date="2026-01-01")
    assert past.status == "invalid_args" and "not in the future" in past.error
    both = call(ctx, "savings_goal_plan", target_amount=500, target_date="2027-01-01", months=3)
    assert both.status == "invalid_args" and "exactly one of target_date or months" in both.error
    weekly = ok(ctx, "savings_goal_plan", target_amount=520, months=12, pay_cadence="weekly")
    assert weekly["per_paycheque"]["cadence"] == "weekly" and "micro_rule" not in weekly


def test_cash_flow_forecast_adds_up(runtime, make_ctx):
    result = ok(make_ctx("demo-debt"), "cash_flow_forecast", days=30)
    checking = account(runtime, "demo-debt-chk")
    assert result["start_balance"] == float(checking.available_balance)
    assert result["accounts"][0].startswith("Everyday Checking")
    known = {(k["date"], k["merchant"]): k["amount"] for k in result["known_items"]}
    assert known[("2026-11-28", "Acme Logistics Payroll")] > 4000, "today's payday is still to come"
    assert known[("2026-12-01", "Lakeview Apartments")] == -1450.0
    weeks = result["weekly"]
    assert weeks[-1]["week_ending"] == result["to"] == "2026-12-27"
    net = sum(w["money_in"] - w["money_out"] for w in weeks)
    assert abs(result["start_balance"] + net - result["end_balance"]) < 0.05
    assert result["range_80"]["low"] <= result["end_balance"] <= result["range_80"]["high"]
    assert result["lowest"]["balance"] <= min(w["end_balance"] for w in weeks)


def test_cash_flow_for_the_seasonal_business_uses_last_year(make_ctx):
    december = ok(make_ctx("demo-sme"), "cash_flow_forecast", days=30)
    assert december["seasonal"] is True and len(december["accounts"]) == 2
    assert december["typical_daily"]["money_in"] > 0
    one = ok(make_ctx("demo-sme"), "cash_flow_forecast", days=14, account="operating")
    assert one["accounts"] == [december["accounts"][0]] and len(one["weekly"]) == 2


def test_credit_guidance_utilisation_and_strategies(runtime, ctx):
    result = ok(ctx, "credit_guidance")
    cards = {c["name"]: c for c in result["cards"]}
    visa, store, loan = (account(runtime, f"demo-debt-{key}") for key in ("visa", "store", "loan"))
    owed = visa.current_balance + store.current_balance
    limits = visa.credit_limit + store.credit_limit
    assert cards["Cashback Visa"]["utilisation_pct"] == round(float(visa.current_balance / visa.credit_limit * 100), 1)
    assert result["overall_utilisation_pct"] == round(float(owed / limits * 100), 1)
    assert result["pay_down_to_reach"] == {"30%": float(owed - limits * Decimal("0.3")),
                                           "10%": float(owed - limits * Decimal("0.1"))}
    monthly = [(a.current_balance * a.apr / 1200).quantize(Decimal("0.01"), ROUND_HALF_UP) for a in (visa, store, loan)]
    assert result["interest_this_month"] == float(sum(monthly))
    assert [row["extra"] for row in result["paying_more"]] == [50.0, 100.0, 250.0]
    months = [row["avalanche"]["months"] for row in result["paying_more"]]
    assert months == sorted(months, reverse=True) and months[0] < result["minimums_only"]["months"]
    for row in result["paying_more"]:
        assert row["avalanche"]["total_interest"] <= row["snowball"]["total_interest"]
    single = ok(ctx, "credit_guidance", extra_payment=400)["paying_more"]
    assert len(single) == 1 and single[0]["monthly_payment"] == round(result["minimums_only"]["monthly_payment"] + 400, 2)


def test_debt_plan_for_one_named_card_leaves_the_other_debts_out(ctx):
    visa = ok(ctx, "debt_payoff_plan", accounts=["visa"], monthly_payment=300)
    assert [d["name"] for d in visa["per_debt"]] == ["Cashback Visa ••7494"]
    assert visa["baseline"]["monthly_payment"] == visa["per_debt"][0]["min_payment"] < 300
    everything = ok(ctx, "debt_payoff_plan", monthly_payment=700)
    assert len(everything["per_debt"]) == 3
    wrong = call(ctx, "debt_payoff_plan", accounts=["rainy day savings"])
    assert wrong.status == "invalid_args" and "account" in wrong.error


def test_a_regular_saving_is_projected_to_the_date_without_interest(ctx):
    weekly = ok(ctx, "savings_goal_plan", contribution=25, cadence="weekly", months=6, pay_cadence="monthly")
    assert weekly["projection"] and weekly["projected_total"] == 25 * weekly["contributions"]
    assert 24 <= weekly["contributions"] <= 27
    topped = ok(ctx, "savings_goal_plan", contribution=200, cadence="monthly", months=6, saved_so_far=100,
                pay_cadence="monthly")
    assert topped["projected_total"] == 200 * topped["contributions"] + 100
    dated = call(ctx, "savings_goal_plan", target_amount=1000, contribution=50, months=6, pay_cadence="monthly")
    assert dated.status == "invalid_args" and "leave out the date" in dated.error
    neither = call(ctx, "savings_goal_plan", months=6, pay_cadence="monthly")
    assert neither.status == "invalid_args" and "target_amount" in neither.error


def test_a_target_and_a_regular_saving_give_the_months_to_reach_it(ctx):
    plan = ok(ctx, "savings_goal_plan", target_amount=5000, contribution=200, cadence="biweekly",
              saved_so_far=200, pay_cadence="biweekly")
    assert plan["months"] in (11, 12), "4,800 left at 200 a fortnight (433.33 a month) takes 12 months"
    assert plan["monthly"] * plan["months"] >= 4800


def test_an_extra_payment_goes_on_top_of_the_minimums(ctx):
    base = ok(ctx, "debt_payoff_plan", accounts=["loan"])
    extra = ok(ctx, "debt_payoff_plan", accounts=["loan"], extra_payment=200)
    assert extra["monthly_payment"] == round(base["monthly_payment"] + 200, 2)
    assert extra["months"] < base["months"]
    both = call(ctx, "debt_payoff_plan", monthly_payment=900, extra_payment=200)
    assert both.status == "invalid_args" and "not both" in both.error
