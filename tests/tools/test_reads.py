"""Read tools on the demo bank, each checked against an independent SQL computation or the seeded ground truth."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

from sqlalchemy import func, select

from copilot.store.models import Account, Budget, RecurringSeries, Transaction
from tests.tools.conftest import ok
from tools import run_tool
from tools.data import NON_SPENDING


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def spent(runtime, customer: str, start: date, end: date, currency: str = "USD", category: str | None = None) -> float:
    """Spending as the tools define it, computed straight from the table."""
    with runtime.db.session() as session:
        query = select(func.coalesce(func.sum(Transaction.amount), 0)).where(
            Transaction.customer_id == customer, Transaction.currency == currency,
            Transaction.category.not_in(NON_SPENDING), Transaction.occurred_at >= _at(start),
            Transaction.occurred_at < _at(date.fromordinal(end.toordinal() + 1)))
        if category:
            query = query.where(Transaction.category == category)
        return float(-Decimal(session.scalar(query)).quantize(Decimal("0.01")))


def test_balances_match_the_accounts_and_derive_pending_without_history(runtime, make_ctx):
    result = ok(make_ctx("demo-traveler"), "get_balances")
    with runtime.db.session() as session:
        rows = {a.id: a for a in session.scalars(select(Account).where(Account.customer_id == "demo-traveler"))}
        pending = dict(session.execute(select(Transaction.account_id, func.sum(Transaction.amount)).where(
            Transaction.customer_id == "demo-traveler", Transaction.status == "pending")
            .group_by(Transaction.account_id)).all())
    assert {a["id"] for a in result["accounts"]} == set(rows)
    for account in result["accounts"]:
        row = rows[account["id"]]
        assert account.get("current", account.get("owed")) == float(row.current_balance)
        assert account["available"] == float(row.available_balance)
        assert account["pending"] == float(-min(pending.get(row.id, Decimal(0)), Decimal(0))), account["name"]
        assert "number" not in account and len(account["last4"]) == 4, "never the full account number"
    totals = {t["currency"]: t for t in result["totals"]}
    assert list(totals) == ["USD", "EUR", "GBP", "JPY"], "home currency first"
    assert totals["EUR"]["cash_available"] == float(rows["demo-traveler-eur"].available_balance)
    assert totals["USD"]["owed"] == float(rows["demo-traveler-travel"].current_balance)
    savings = ok(make_ctx("demo-traveler"), "get_balances", account="premier savings")
    assert [a["id"] for a in savings["accounts"]] == ["demo-traveler-sav"]


def test_cards_and_loans_show_their_minimum_payment_and_next_due_date(runtime, make_ctx):
    ctx = make_ctx("demo-debt")
    result = ok(ctx, "get_balances")
    with runtime.db.session() as session:
        rows = {a.id: a for a in session.scalars(select(Account).where(Account.customer_id == "demo-debt"))}
    debts = [a for a in result["accounts"] if "owed" in a]
    assert debts and all("payment_due" in a for a in debts)
    for account in debts:
        row, due = rows[account["id"]], date.fromisoformat(account["payment_due"])
        assert account["min_payment"] == float(row.min_payment)
        assert due.day == row.payment_due_day and 0 <= (due - ctx.now.date()).days <= 31, account["name"]
    assert all("payment_due" not in a for a in result["accounts"] if "owed" not in a)


def test_search_is_fuzzy_on_merchants_and_filters_by_amount_and_period(runtime, ctx):
    netflix = ok(ctx, "search_transactions", merchant="netflx", period="ytd", limit=3)
    assert netflix["matched_merchants"] == ["Netflix"] and netflix["count"] == 11 and netflix["more"] == 8
    assert [t["amount"] for t in netflix["transactions"]] == [-17.99, -17.99, -15.49], "newest first"
    assert netflix["totals"] == [{"currency": "USD", "money_out": 175.39, "money_in": 0.0}]
    big = ok(ctx, "search_transactions", category="restaurants", min_amount=60, period="last_month",
             sort="largest", direction="out", limit=100)
    assert big["category"] == "dining" and big["transactions"]
    assert all(-t["amount"] >= 60 and t["category"] == "dining" for t in big["transactions"])
    assert [t["amount"] for t in big["transactions"]] == sorted(t["amount"] for t in big["transactions"])
    assert all("2026-10-01" <= t["date"] <= "2026-10-31" for t in big["transactions"])
    with runtime.db.session() as session:
        expected = session.scalar(select(func.count()).where(
            Transaction.customer_id == "demo-debt", Transaction.category == "dining", Transaction.amount <= -60,
            Transaction.occurred_at >= _at(date(2026, 10, 1)), Transaction.occurred_at < _at(date(2026, 11, 1))))
    assert big["count"] == expected


def test_spending_summary_matches_sql_and_compares_with_previous_and_usual(runtime, ctx):
    result = ok(ctx, "spending_summary", period="last_month", top=30)
    october = spent(runtime, "demo-debt", date(2026, 10, 1), date(2026, 10, 31))
    assert result["total"] == october and result["currency"] == "USD"
    assert round(sum(row["amount"] for row in result["by_category"]), 2) == october
    september = spent(runtime, "demo-debt", date(2026, 9, 1), date(2026, 9, 30))
    assert result["previous"]["period"] == {"label": "September 2026", "start": "2026-09-01", "end": "2026-09-30"}
    assert result["previous"]["total"] == september and result["previous"]["change"] == round(october - september, 2)
    usual = (september + spent(runtime, "demo-debt", date(2026, 8, 1), date(2026, 8, 31))
             + spent(runtime, "demo-debt", date(2026, 7, 1), date(2026, 7, 31))) / 3
    assert abs(result["usual"]["total"] - usual) < 0.01 and result["usual"]["periods"] == 3
    assert not {row["category"] for row in result["by_category"]} & NON_SPENDING
    dining = ok(ctx, "spending_summary", period="last_month", category="eating out")
    assert dining["total"] == spent(runtime, "demo-debt", date(2026, 10, 1), date(2026, 10, 31), category="dining")
    assert "by_merchant" in dining


def test_pay_period_follows_the_detected_paycheques(runtime, make_ctx):
    result = ok(make_ctx("demo-newjob"), "spending_summary", period="this_pay_period")
    with runtime.db.session() as session:
        paydays = session.scalars(select(Transaction.occurred_at).where(
            Transaction.customer_id == "demo-newjob", Transaction.merchant == "Northwind Analytics Payroll")
            .order_by(Transaction.occurred_at)).all()
    assert result["period"]["start"] == paydays[-1].date().isoformat() == "2026-11-15"
    assert "biweekly" in result["period"]["label"] and "Northwind" in result["period"]["label"]
    assert result["previous"]["period"]["start"] == paydays[-2].date().isoformat()
    assert result["total"] == spent(runtime, "demo-newjob", date(2026, 11, 15), date(2026, 11, 28))
    last = ok(make_ctx("demo-newjob"), "spending_summary", period="last_pay_period")
    assert (last["period"]["start"], last["period"]["end"]) == ("2026-11-01", "2026-11-14")
    business = ok(make_ctx("demo-sme"), "spending_summary", period="this_pay_period")
    assert business["period"]["start"] == "2026-11-01" and "calendar month" in business["period"]["note"]


def test_other_currencies_are_reported_not_mixed_in(runtime, make_ctx):
    result = ok(make_ctx("demo-traveler"), "spending_summary", period="last_30_days")
    assert result["total"] == spent(runtime, "demo-traveler", date(2026, 10, 30), date(2026, 11, 28))
    eur = spent(runtime, "demo-traveler", date(2026, 10, 30), date(2026, 11, 28), currency="EUR")
    assert {"currency": "EUR", "total": eur} in result["other_currencies"] and eur > 0


def test_spending_in_a_place_covers_the_latest_trip_there_in_its_currency(runtime, make_ctx):
    ctx = make_ctx("demo-traveler")
    with runtime.db.session() as session:
        days = sorted({t.occurred_at.date() for t in session.scalars(select(Transaction).where(
            Transaction.customer_id == "demo-traveler", Transaction.city == "Tokyo"))})
    result = ok(ctx, "spending_summary", place="tokio")                   # a typo of one of their own cities
    assert (result["place"], result["period"]["start"], result["period"]["end"]) == \
        ("Tokyo", days[0].isoformat(), days[-1].isoformat())
    with runtime.db.session() as session:
        yen = -sum(t.amount for t in session.scalars(select(Transaction).where(
            Transaction.customer_id == "demo-traveler", Transaction.city == "Tokyo", Transaction.currency == "JPY",
            Transaction.category.not_in(NON_SPENDING))))
    assert result["currency"] == "JPY" and result["total"] == float(yen) and "previous" not in result
    britain = ok(ctx, "spending_summary", place="Scotland")               # a country by one of its regions
    assert britain["place"] == "United Kingdom" and britain["period"]["start"].startswith("2026-10")  # not January
    abroad = ok(ctx, "search_transactions", place="abroad", period="last_month")
    assert abroad["count"] and all(t["merchant"] for t in abroad["transactions"])
    assert run_tool(ctx, "spending_summary", {"place": "Narnia"}).status == "invalid_args"


def test_budget_status_forecasts_month_end_and_flags_risk(runtime, ctx, make_ctx):
    result = ok(ctx, "budget_status")
    assert result["days_left"] == 2 and result["month"]["start"] == "2026-11-01"
    dining = next(b for b in result["budgets"] if b["category"] == "dining")
    assert dining["spent"] == spent(runtime, "demo-debt", date(2026, 11, 1), date(2026, 11, 28), category="dining")
    usual = sum(spent(runtime, "demo-debt", date(2026, m, 1), date(2026, m, d), category="dining")
                for m, d in ((10, 31), (9, 30), (8, 31))) / 3
    assert abs(dining["usual_month"] - usual) < 0.01
    assert abs(dining["forecast_month_end"] - (dining["spent"] + usual * 2 / 30)) < 0.01
    with runtime.db.session() as session:
        limit = float(session.scalar(select(Budget.monthly_limit).where(Budget.customer_id == "demo-debt",
                                                                        Budget.category == "dining")))
    assert dining["limit"] == limit and dining["remaining"] == round(limit - dining["spent"], 2)
    assert (dining["status"] == "over") == (dining["spent"] > limit)
    with runtime.db.session() as session:
        session.get(Budget, session.scalar(select(Budget.id).where(Budget.customer_id == "demo-sme"))) \
            .monthly_limit = Decimal("100000")
    roomy = ok(make_ctx("demo-sme"), "budget_status", category="supplies")["budgets"]
    assert [(b["category"], b["status"], b["at_risk"]) for b in roomy] == [("business_supplies", "on_track", False)]
    assert roomy[0]["per_day_left"] == round((100000 - roomy[0]["spent"]) / 2, 2)


def test_bills_are_detected_from_history_like_the_ground_truth(runtime, make_ctx):
    for customer in ("demo-debt", "demo-gig", "demo-sme"):
        result = ok(make_ctx(customer), "upcoming_bills", days=31)
        with runtime.db.session() as session:
            truth = set(session.scalars(select(RecurringSeries.merchant).where(
                RecurringSeries.customer_id == customer,
                RecurringSeries.kind.in_(("bill", "subscription", "loan_payment")))))
        found = {b["merchant"] for b in result["bills"]}
        assert truth <= found, f"{customer} missed {truth - found}"
        assert round(sum(b["amount"] * b["times_in_window"] for b in result["bills"]), 2) == result["total_due"]
    debt = ok(make_ctx("demo-debt"), "upcoming_bills")
    rent = next(b for b in debt["bills"] if b["merchant"] == "Lakeview Apartments")
    assert (rent["next_date"], rent["amount"], rent["cadence"], rent["amount_varies"]) == \
        ("2026-12-01", 1450.0, "monthly", False)
    netflix = next(b for b in debt["price_rises"] if b["merchant"] == "Netflix")
    assert netflix["price_change"] == {"from": 15.49, "to": 17.99, "since": "2026-10-07", "percent": 16.1}
    weekly = ok(make_ctx("demo-gig"), "upcoming_bills", days=14, kinds=["subscription"])
    assert {b["kind"] for b in weekly["bills"]} == {"subscription"}
