"""Moving money: both legs posted at once, suggestions from behaviour, limits, and the one-time code risky payments
need (wrong codes counted, no replay, lock-out); a crash mid-transfer leaves neither half."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from copilot.agent.loop import Copilot
from copilot.store.models import (Account, AuditEvent, ClientDevice, Conversation, Payee, PendingAction,
                                  ScheduledPayment, StepUpDevice, Transaction)
from tests.tools.conftest import call, grant, ok
from tools import cancel_action, confirm_action, ledger, open_pending_actions, stepup
from tools.due import following, pay_due


@pytest.fixture
def bank(runtime):
    for customer in ("demo-debt", "demo-traveler", "demo-newjob", "demo-gig"):
        grant(runtime, customer, ["payments:write", "accounts:read", "transactions:read"])
    return runtime


def balances(runtime, customer: str) -> dict[str, Decimal]:
    with runtime.db.session() as session:
        return {a.id: a.current_balance for a in session.scalars(select(Account).where(Account.customer_id == customer))}


def net_worth(runtime, customer: str) -> Decimal:
    """Deposits less debts: what moving money between one's own accounts must never change."""
    with runtime.db.session() as session:
        rows = session.scalars(select(Account).where(Account.customer_id == customer))
        return sum((a.current_balance * (-1 if a.kind in ("credit_card", "personal_loan", "term_loan") else 1)
                    for a in rows), Decimal(0))


def rows_posted(runtime, customer: str) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(Transaction).where(Transaction.customer_id == customer))


def code_now(ctx) -> str:
    return stepup.phone_screen(ctx)["code"]


def later(monkeypatch, seconds: int) -> None:
    """The wall clock the phone follows moves on (a new code every 30 seconds)."""
    now = stepup.wall_clock() + timedelta(seconds=seconds)
    monkeypatch.setattr(stepup, "wall_clock", lambda: now)


def test_a_transfer_posts_both_legs_at_once_and_every_view_sees_it(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    before, worth = balances(bank, "demo-debt"), net_worth(bank, "demo-debt")
    action = call(ctx, "transfer_between_accounts", to_account="savings", amount=200).pending_action
    assert "Move $200.00 to your Rainy Day Savings" in action["summary"] and "Everyday Checking" in action["summary"]
    assert balances(bank, "demo-debt") == before, "proposing moves nothing"
    done = confirm_action(ctx, action["id"])
    assert done.status == "ok" and len(done.result["transaction_ids"]) == 2, done
    after = balances(bank, "demo-debt")
    assert after["demo-debt-chk"] == before["demo-debt-chk"] - 200 and after["demo-debt-sav"] == before["demo-debt-sav"] + 200
    assert net_worth(bank, "demo-debt") == worth
    shown = {a["id"]: a for a in ok(ctx, "get_balances")["accounts"]}
    assert Decimal(str(shown["demo-debt-sav"]["current"])) == after["demo-debt-sav"], "balances see it at once"
    found = ok(ctx, "search_transactions", start_date=ctx.now.date().isoformat())
    assert {t["id"] for t in found["transactions"]} >= set(done.result["transaction_ids"]), "so does search"


def test_paying_a_card_lowers_what_is_owed_by_the_same_amount(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    before = balances(bank, "demo-debt")
    for pay, extra in (("minimum", {}), ("amount", {"amount": 300})):
        action = call(ctx, "pay_card", card="visa", pay=pay, **extra).pending_action
        value = Decimal(str(action["args"]["amount"]))
        assert value == (Decimal("182.13") if pay == "minimum" else 300), action
        confirm_action(ctx, action["id"])
        after = balances(bank, "demo-debt")
        assert after["demo-debt-visa"] == before["demo-debt-visa"] - value
        assert after["demo-debt-chk"] == before["demo-debt-chk"] - value
        before = after
    statement = call(ctx, "pay_card", card="visa", pay="statement")
    assert statement.status == "invalid_args" and "would overdraw" in statement.error, "says so, never pays part"
    assert call(ctx, "pay_card", card="card", pay="minimum").status == "invalid_args", "two cards: never a guess"


def test_the_statement_balance_leaves_out_what_was_charged_after_the_statement(bank, make_ctx):
    ctx = make_ctx("demo-traveler")
    owed = balances(bank, "demo-traveler")["demo-traveler-travel"]
    action = call(ctx, "pay_card", card="world elite", pay="statement").pending_action
    full = call(ctx, "pay_card", card="world elite", pay="full").pending_action
    assert full["args"]["amount"] == float(owed)
    assert 0 < action["args"]["amount"] <= float(owed) and "(the statement balance)" in action["summary"]


def test_an_overdraft_is_refused_before_confirming_and_again_if_the_money_left_meanwhile(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    too_much = call(ctx, "transfer_between_accounts", to_account="savings", amount=99_000, from_account="checking")
    assert too_much.status == "invalid_args" and "overdraw" in too_much.error and too_much.pending_action is None
    first = call(ctx, "transfer_between_accounts", to_account="savings", amount=2000, from_account="checking")
    second = call(ctx, "pay_card", card="visa", pay="amount", amount=2000, from_account="checking")
    assert confirm_action(ctx, first.pending_action["id"]).status == "ok"
    rows = rows_posted(bank, "demo-debt")
    late = confirm_action(ctx, second.pending_action["id"])
    assert late.status == "invalid_args" and "overdraw" in late.error, late
    assert rows_posted(bank, "demo-debt") == rows, "a refused payment posts nothing"


def test_a_bill_is_paid_to_the_usual_payee_with_last_months_amount(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    action = call(ctx, "pay_bill", payee="rent").pending_action
    with bank.db.session() as session:
        last = session.scalar(select(Transaction.amount).where(Transaction.customer_id == "demo-debt",
                                                               Transaction.merchant == "Lakeview Apartments")
                              .order_by(Transaction.occurred_at.desc()).limit(1))
    assert action["args"]["amount"] == float(-last) and "Lakeview Apartments" in action["summary"]
    assert "the same as last time" in action["summary"]
    assert "Lakeview Apartments collects this by direct debit (next on 2026-12-01), so paying now as well may pay " \
           "them twice" in action["summary"], action["summary"]
    to_mom = call(ctx, "send_money", recipient="mom", amount=40).pending_action
    assert "twice" not in to_mom["summary"], "nothing scheduled pays mom"


def test_a_payment_that_leaves_too_little_for_bills_before_payday_says_so(bank, make_ctx):
    ctx = make_ctx("demo-traveler")                   # rent and the card payment are due before the 25th's salary
    action = call(ctx, "transfer_between_accounts", to_account="savings", amount=8000).pending_action
    assert "less than the $6,947.07 of bills due before your next payday on 2026-12-25" in action["summary"], \
        action["summary"]
    small = call(ctx, "transfer_between_accounts", to_account="savings", amount=100).pending_action
    assert "bills due" not in small["summary"]


def test_the_daily_limit_for_paying_others_counts_what_was_sent_today(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    ctx = replace(ctx, settings=ctx.settings.model_copy(update={"payment_daily_limit": 500}))
    confirm_action(ctx, call(ctx, "send_money", recipient="mom", amount=400).pending_action["id"])
    over = call(ctx, "send_money", recipient="Jake Miller", amount=150)
    assert over.status == "invalid_args" and "daily limit" in over.error, over
    rich = make_ctx("demo-traveler")
    too_big = call(rich, "send_money", recipient="dad", amount=2600).error
    assert "up to $2,500.00" in too_big and "wire" in too_big, "per payment, too"
    assert "parts" not in too_big, "the copilot never suggests splitting a payment to get round the limit"
    own = call(ctx, "transfer_between_accounts", to_account="savings", amount=150)
    assert own.status == "confirm", "moves between one's own accounts are not limited"


def test_a_later_day_books_a_one_off_that_is_listed_and_can_be_cancelled(bank, make_ctx):
    ctx = make_ctx("demo-gig")
    rows, day = rows_posted(bank, "demo-gig"), (ctx.now + timedelta(days=5)).date().isoformat()
    action = call(ctx, "send_money", recipient="my sister", amount=75, on=day).pending_action
    booked = confirm_action(ctx, action["id"]).result
    assert booked["scheduled"] and booked["on"] == day and rows_posted(bank, "demo-gig") == rows
    listed = ok(ctx, "list_scheduled", kind="one_off")["scheduled"]
    assert [(i["to"], i["amount"], i["next_on"]) for i in listed] == [("Carmen Moreno", 75.0, day)]
    cancel = call(ctx, "cancel_scheduled", item=listed[0]["id"]).pending_action
    confirm_action(ctx, cancel["id"])
    assert ok(ctx, "list_scheduled", kind="one_off")["scheduled"] == []
    past = call(ctx, "send_money", recipient="my sister", amount=75, on="2020-01-01")
    assert past.status == "invalid_args" and "in the past" in past.error


def test_every_payday_saving_follows_the_pay_cadence_from_the_day_after_payday(bank, make_ctx):
    ctx = make_ctx("demo-debt")                       # paid monthly, on the 28th: today
    action = call(ctx, "schedule_transfer", to="savings", amount=150, cadence="per_paycheque").pending_action
    result = confirm_action(ctx, action["id"]).result["scheduled"]
    assert (result["cadence"], result["next_on"], result["amount"]) == ("monthly", "2026-11-29", 150.0), result
    assert "Rainy Day Savings" in result["to"]


def test_the_payment_run_pays_each_due_day_once_even_when_two_runs_race(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    before, held = rows_posted(bank, "demo-debt"), balances(bank, "demo-debt")["demo-debt-sav"]
    order = call(ctx, "schedule_transfer", to="savings", amount=40, cadence="weekly", start_on="2026-11-30")
    weekly = confirm_action(ctx, order.pending_action["id"]).result["scheduled"]["id"]
    once = call(ctx, "send_money", recipient="mom", amount=25, on="2026-12-01")
    one_off = confirm_action(ctx, once.pending_action["id"]).result["id"]
    results = []
    runs = [threading.Thread(target=lambda: results.extend(pay_due(bank.db, date(2026, 12, 8), ctx.now)))
            for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    days = [(o["id"], o["day"]) for o in results]
    assert len(days) == len(set(days)), f"a day was paid twice: {days}"
    ours = sorted(d for d in days if d[0] in (weekly, one_off))
    assert ours == sorted([(weekly, "2026-11-30"), (weekly, "2026-12-07"), (one_off, "2026-12-01")]), ours
    mine = [o for o in results if o["customer_id"] == "demo-debt" and o["status"] == "paid"]
    assert rows_posted(bank, "demo-debt") == before + sum(len(o["transaction_ids"]) for o in mine)
    into_savings = sum(o["amount"] for o in mine if "Rainy Day Savings" in o["to"])
    assert balances(bank, "demo-debt")["demo-debt-sav"] == held + Decimal(str(into_savings)) and into_savings >= 80
    assert pay_due(bank.db, date(2026, 12, 8), ctx.now) == [], "a second run finds nothing left to pay"
    with bank.db.session() as session:
        assert (session.get(ScheduledPayment, weekly).next_on, session.get(ScheduledPayment, one_off).status) == \
            (date(2026, 12, 14), "completed")


def test_a_due_payment_without_the_money_is_skipped_for_that_day_and_audited(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    order = call(ctx, "schedule_transfer", to="savings", amount=1500, cadence="monthly", start_on="2026-12-02")
    monthly = confirm_action(ctx, order.pending_action["id"]).result["scheduled"]["id"]
    with bank.db.session() as session:
        left = float(session.get(Account, "demo-debt-chk").available_balance) - 100
    drain = call(ctx, "transfer_between_accounts", to_account="savings", from_account="checking", amount=left)
    confirm_action(ctx, drain.pending_action["id"])
    [outcome] = [o for o in pay_due(bank.db, date(2026, 12, 2), ctx.now) if o["id"] == monthly]
    assert outcome["status"] == "skipped" and "overdraw" in outcome["reason"], outcome
    with bank.db.session() as session:
        assert session.get(ScheduledPayment, monthly).next_on == date(2027, 1, 2), "tried again next month"
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "scheduled", AuditEvent.decision == "failed")) == 1
    assert following(date(2026, 1, 31), "monthly") == date(2026, 2, 28), "a short month pays on its last day"


# --- step-up ------------------------------------------------------------------------------------------------
def test_paying_a_new_payee_needs_the_code_from_the_phone(bank, make_ctx, monkeypatch):
    ctx = make_ctx("demo-traveler")
    action = call(ctx, "send_money", recipient="Sofia Rossi", amount=80).pending_action
    assert action["requires_step_up"] and "Sofia Rossi is a new payee" in action["summary"], action
    assert confirm_action(ctx, action["id"]).status == "step_up_required", "a yes alone is not enough"
    wrong = stepup.confirm_with_code(ctx, action["id"], "000000" if code_now(ctx) != "000000" else "111111")
    assert wrong.status == "step_up_required" and "4 tries left" in wrong.error
    before = balances(bank, "demo-traveler")["demo-traveler-chk"]
    code = code_now(ctx)
    done = stepup.confirm_with_code(ctx, action["id"], code)
    assert done.status == "ok" and done.result["paid"], done
    assert balances(bank, "demo-traveler")["demo-traveler-chk"] == before - 80
    again = call(ctx, "send_money", recipient="Sofia Rossi", amount=81).pending_action
    replay = stepup.confirm_with_code(ctx, again["id"], code)
    assert replay.status == "step_up_required" and "already used" in replay.error, "a code works once"
    later(monkeypatch, 30)
    assert stepup.confirm_with_code(ctx, again["id"], code_now(ctx)).status == "ok"


def test_wrong_codes_lock_step_up_and_the_payment_stays_waiting(bank, make_ctx, monkeypatch):
    ctx = make_ctx("demo-traveler")
    action = call(ctx, "send_money", recipient="Sofia Rossi", amount=50).pending_action
    wrong = "000000" if code_now(ctx) != "000000" else "111111"
    for _ in range(bank.settings.step_up_max_attempts):
        last = stepup.confirm_with_code(ctx, action["id"], wrong)
    assert "locked for 15 minutes" in last.error, last.error
    locked = stepup.confirm_with_code(ctx, action["id"], code_now(ctx))
    assert locked.status == "step_up_required" and "locked" in locked.error, "even the right code waits out the lock"
    assert open_actions(ctx) == [action["id"]]
    later(monkeypatch, 16 * 60)
    assert stepup.confirm_with_code(ctx, action["id"], code_now(ctx)).status == "ok"


def open_actions(ctx) -> list[str]:
    return [a["id"] for a in open_pending_actions(ctx)]


def test_adding_a_payee_always_needs_a_code_and_the_first_payment_right_after_does_not(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    bad = call(ctx, "add_payee", name="Ana Lopez", account_number="123456789", routing_number="123456789")
    assert bad.status == "invalid_args" and "routing number is not valid" in bad.error
    action = call(ctx, "add_payee", name="Ana Lopez", account_number="9876543210", routing_number="021000021",
                  nickname="Ana").pending_action
    assert action["requires_step_up"] and "9876543210" not in str(action["args"]), "the number is sealed at rest"
    assert confirm_action(ctx, action["id"]).status == "step_up_required"
    added = stepup.confirm_with_code(ctx, action["id"], code_now(ctx))
    assert added.status == "ok" and added.result["payee"]["account_last4"] == "3210"
    with bank.db.session() as session:
        stored = session.scalar(select(Payee).where(Payee.name == "Ana Lopez"))
        assert "9876543210" not in stored.account_ciphertext
    first = call(ctx, "send_money", recipient="Ana", amount=40).pending_action
    assert not first["requires_step_up"], "the code given to add her covers paying her right away"
    confirm_action(ctx, first["id"])
    capped = call(ctx, "send_money", recipient="Ana", amount=970)
    assert capped.status == "invalid_args" and "less than 24 hours ago" in capped.error and "$40.00 already" in capped.error
    week_later = make_ctx("demo-debt", now=ctx.now + timedelta(days=7))
    assert call(week_later, "send_money", recipient="Ana", amount=40).pending_action["requires_step_up"]


def test_an_amount_far_above_usual_and_a_recent_fraud_freeze_need_a_code(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    usual = call(ctx, "send_money", recipient="mom", amount=60).pending_action
    assert not usual["requires_step_up"], usual["summary"]
    wary = replace(ctx, settings=ctx.settings.model_copy(update={"step_up_usual_factor": 1.5}))   # 1.5 x 1,280
    large = call(wary, "send_money", recipient="mom", amount=2000).pending_action
    assert large["requires_step_up"] and "more than you usually send" in large["summary"], large["summary"]
    grant(bank, "demo-debt", ["cards:manage"])
    freeze = call(ctx, "freeze_card", card="debit", reason="lost").pending_action
    confirm_action(ctx, freeze["id"])
    own = call(ctx, "transfer_between_accounts", to_account="savings", amount=20).pending_action
    assert own["requires_step_up"] and "frozen as lost" in own["summary"], own["summary"]


def test_paying_someone_from_a_device_first_seen_this_week_needs_a_code(bank, make_ctx):
    bot, ctx = Copilot(bank), make_ctx("demo-debt")
    fresh = bot.start("demo-debt", channel="web", device="browser-bought-yesterday")
    from_new = call(replace(ctx, conversation_id=fresh), "send_money", recipient="mom", amount=60).pending_action
    assert from_new["requires_step_up"] and "a device we haven't seen" in from_new["summary"], from_new["summary"]
    own = call(replace(ctx, conversation_id=fresh), "transfer_between_accounts", to_account="savings", amount=20)
    assert not own.pending_action["requires_step_up"], "moving between own accounts keeps the money theirs"
    with bank.db.session() as session:
        device = session.get(ClientDevice, session.get(Conversation, fresh).device_id)
        device.first_seen -= timedelta(days=30)
    again = bot.start("demo-debt", channel="web", device="browser-bought-yesterday")
    known = call(replace(ctx, conversation_id=again), "send_money", recipient="mom", amount=60).pending_action
    assert not known["requires_step_up"], f"the same browser a month on is known: {known['summary']}"


def test_no_phone_no_code_and_no_payment(bank, make_ctx):
    ctx = make_ctx("demo-traveler")
    with bank.db.session() as session:
        session.delete(session.scalar(select(StepUpDevice).where(StepUpDevice.customer_id == "demo-traveler")))
    action = call(ctx, "send_money", recipient="Sofia Rossi", amount=50).pending_action
    refused = stepup.confirm_with_code(ctx, action["id"], "123456")
    assert refused.status == "step_up_required" and "no phone enrolled" in refused.error


# --- crashes -----------------------------------------------------------------------------------------------
def test_a_crash_between_the_two_legs_leaves_neither_and_the_action_can_be_retried(bank, make_ctx, monkeypatch):
    ctx = make_ctx("demo-debt")
    action = call(ctx, "transfer_between_accounts", to_account="savings", amount=100).pending_action
    before, rows = balances(bank, "demo-debt"), rows_posted(bank, "demo-debt")
    real_row, legs = ledger._row, []

    def crash_on_the_second_leg(*args):
        legs.append(args)
        if len(legs) == 2:
            raise RuntimeError("power cut")
        return real_row(*args)

    monkeypatch.setattr(ledger, "_row", crash_on_the_second_leg)
    crashed = confirm_action(ctx, action["id"])
    assert crashed.status == "error", crashed
    assert balances(bank, "demo-debt") == before and rows_posted(bank, "demo-debt") == rows, "neither half"
    monkeypatch.setattr(ledger, "_row", real_row)
    assert confirm_action(ctx, action["id"]).status == "ok", "still pending, so it can run once"
    assert rows_posted(bank, "demo-debt") == rows + 2


def test_scheduled_items_come_from_the_bank_and_a_direct_debit_is_cancelled_only_on_confirmation(bank, make_ctx):
    ctx = make_ctx("demo-debt")
    listed = ok(ctx, "list_scheduled")["scheduled"]
    kinds = {i["kind"] for i in listed}
    assert kinds >= {"direct_debit", "standing_order"}, listed
    action = call(ctx, "cancel_scheduled", item="the internet").pending_action
    assert "Xfinity" in action["summary"], action
    with bank.db.session() as session:
        assert session.scalar(select(ScheduledPayment.status).where(ScheduledPayment.merchant == "Xfinity Internet")) \
            == "active"
    confirm_action(ctx, action["id"])
    assert "Xfinity Internet" not in {i["to"] for i in ok(ctx, "list_scheduled")["scheduled"]}


# --- properties ----------------------------------------------------------------------------------------------
OPS = st.lists(st.one_of(
    st.tuples(st.just("propose"), st.integers(1, 900), st.booleans()),       # amount, checking -> savings or back
    st.tuples(st.sampled_from(["confirm", "confirm again", "cancel", "expire", "crash"]), st.integers(0, 7))),
    min_size=1, max_size=14)


def executions(runtime, action_id: str) -> int:
    """How many times the audit trail says this action was carried out."""
    with runtime.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "action",
                                                          AuditEvent.decision == "executed"))
        return sum(1 for e in events if e.detail.get("action_id") == action_id)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_moving_money_between_own_accounts_conserves_it_and_never_runs_twice(bank, make_ctx, ops):
    ctx = make_ctx("demo-gig")
    worth, rows = net_worth(bank, "demo-gig"), rows_posted(bank, "demo-gig")
    deposits = lambda: sum(v for k, v in balances(bank, "demo-gig").items() if not k.endswith("card"))  # noqa: E731
    held, proposed = deposits(), []
    for op, value, *rest in ops:
        if op == "propose":
            to, source = ("savings", "checking") if rest[0] else ("checking", "savings")
            outcome = call(ctx, "transfer_between_accounts", to_account=to, from_account=source, amount=value)
            if outcome.pending_action:
                proposed.append(outcome.pending_action["id"])
            continue
        if not proposed:
            continue
        action_id = proposed[value % len(proposed)]
        if op in ("confirm", "confirm again"):
            confirm_action(ctx, action_id)
        elif op == "cancel":
            cancel_action(ctx, action_id)
        elif op == "expire":
            confirm_action(replace(ctx, now=ctx.now + timedelta(hours=1)), action_id)
        else:
            with bank.db.session() as session:
                waiting = session.get(PendingAction, action_id).status == "pending"
            with patch.object(ledger, "_row", side_effect=RuntimeError("power cut")):
                crashed = confirm_action(ctx, action_id)
            assert not waiting or crashed.status in ("error", "invalid_args"), crashed   # a settled one replays
    ran = [a for a in set(proposed) if executions(bank, a)]
    assert all(executions(bank, a) == 1 for a in ran), "an action ran more than once"
    assert rows_posted(bank, "demo-gig") == rows + 2 * len(ran), "each payment posts exactly its two legs"
    assert net_worth(bank, "demo-gig") == worth and deposits() == held, "moving between own accounts moves no money"
