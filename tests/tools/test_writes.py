"""Writes: a pending action first, executed only on confirmation, exactly once (also when confirmed concurrently)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from copilot.store.models import AuditEvent, Budget, Card, Dispute, PendingAction, SavingsGoal, Transaction
from tests.tools.conftest import audit_count, call, context, grant, revoke, labelled
from tools import cancel_action, confirm_action, open_pending_actions, stepup


def _goals(runtime, customer="demo-debt") -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(SavingsGoal).where(SavingsGoal.customer_id == customer))


def _card_status(runtime, card_id: str) -> str:
    with runtime.db.session() as session:
        return session.get(Card, card_id).status


# --- on SQLite and PostgreSQL -----------------------------------------------------------------------------
def test_a_write_runs_only_on_confirmation_and_only_once(seeded_any_db):
    runtime = seeded_any_db
    grant(runtime, "demo-debt", ["goals:write"])
    ctx = context(runtime, conversation_id="conv-1")
    proposed = call(ctx, "create_savings_goal", name="Japan trip", target_amount=3000, target_date="2027-06-01")
    assert proposed.status == "confirm" and proposed.allowed and proposed.result is None
    action = proposed.pending_action
    assert action["summary"].startswith('Create the savings goal "Japan trip": $3,000.00 by 2027-06-01')
    assert action["args"]["contribution"] == 500.0 and action["requires_step_up"] is False
    assert _goals(runtime) == 0, "proposing must not write"
    assert call(ctx, "create_savings_goal", name="Japan trip", target_amount=3000,
                target_date="2027-06-01").pending_action["id"] == action["id"], "the same request is one action"
    first = confirm_action(ctx, action["id"])
    again = confirm_action(ctx, action["id"])
    assert first.status == "ok" and not first.replayed and first.result["name"] == "Japan trip"
    assert again.status == "ok" and again.replayed and again.result == first.result
    assert _goals(runtime) == 1
    assert audit_count(runtime, kind="action", name="create_savings_goal", decision="executed") == 1
    assert audit_count(runtime, kind="action", name="create_savings_goal", decision="replayed") == 1


def test_concurrent_confirmations_have_exactly_one_effect(seeded_any_db):
    runtime = seeded_any_db
    grant(runtime, "demo-gig", ["goals:write"])
    ctx = context(runtime, "demo-gig")
    action_id = call(ctx, "create_savings_goal", name="Buffer", target_amount=1000,
                     contribution=100).pending_action["id"]
    barrier, outcomes = threading.Barrier(4), []

    def confirm():
        barrier.wait()
        outcomes.append(confirm_action(ctx, action_id))

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [o.status for o in outcomes] == ["ok"] * 4, [o.error for o in outcomes]
    assert sum(not o.replayed for o in outcomes) == 1
    assert len({o.result["goal_id"] for o in outcomes}) == 1, "every caller gets the one recorded result"
    assert _goals(runtime, "demo-gig") == 1


def test_confirmation_rechecks_consent(seeded_any_db):
    runtime = seeded_any_db
    grant(runtime, "demo-sme", ["budgets:write"])
    ctx = context(runtime, "demo-sme")
    action = call(ctx, "set_budget", category="supplies", monthly_limit=8000).pending_action
    assert action["summary"] == "Change your business_supplies budget from $9,000.00 to $8,000.00 a month"
    revoke(runtime, "demo-sme", ["budgets:write"])
    refused = confirm_action(ctx, action["id"])
    assert refused.status == "consent_required" and refused.consent["reason"] == "revoked"
    assert open_pending_actions(ctx)[0]["id"] == action["id"], "a refused confirmation leaves the action pending"
    grant(runtime, "demo-sme", ["budgets:write"])
    done = confirm_action(ctx, action["id"])
    assert done.status == "ok" and done.result["previous_limit"] == 9000.0 and done.result["monthly_limit"] == 8000.0
    with runtime.db.session() as session:
        assert session.scalar(select(Budget.monthly_limit).where(Budget.customer_id == "demo-sme",
                                                                 Budget.category == "business_supplies")) == 8000


# --- SQLite ------------------------------------------------------------------------------------------------
@pytest.fixture
def cards_ok(runtime):
    for customer in ("demo-debt", "demo-newjob"):
        grant(runtime, customer, ["cards:manage", "disputes:write", "budgets:write"])
    return runtime


def test_unfreezing_after_suspected_fraud_needs_step_up(cards_ok, make_ctx):
    ctx = make_ctx("demo-newjob")
    freeze = call(ctx, "freeze_card", card="Starter Mastercard", reason="temporary")
    assert confirm_action(ctx, freeze.pending_action["id"]).result["status"] == "frozen"
    unfreeze = call(ctx, "unfreeze_card", card="Starter Mastercard")
    action = unfreeze.pending_action
    assert action["requires_step_up"] is True and "one-time code from your phone" in action["summary"]
    blocked = confirm_action(ctx, action["id"])
    assert blocked.status == "step_up_required" and blocked.pending_action["status"] == "pending"
    assert _card_status(cards_ok, "demo-newjob-card-card") == "frozen"
    done = stepup.confirm_with_code(ctx, action["id"], stepup.phone_screen(ctx)["code"])
    assert done.status == "ok" and done.result["status"] == "active"
    assert _card_status(cards_ok, "demo-newjob-card-card") == "active"


def test_unfreezing_a_quiet_card_needs_no_step_up_and_no_op_writes_answer_at_once(cards_ok, make_ctx):
    ctx = make_ctx()
    already = call(ctx, "unfreeze_card", card="debit")
    assert already.status == "ok" and already.result["changed"] is False and already.pending_action is None
    confirm_action(ctx, call(ctx, "freeze_card", card="Everyday Debit").pending_action["id"])
    again = call(ctx, "freeze_card", card="debit")
    assert again.status == "ok" and "already frozen" in again.result["message"]
    unfreeze = call(ctx, "unfreeze_card", card="debit").pending_action
    assert unfreeze["requires_step_up"] is False
    assert confirm_action(ctx, unfreeze["id"]).result["status"] == "active"


def test_a_card_frozen_as_stolen_cannot_be_unfrozen(cards_ok, make_ctx):
    ctx = make_ctx()
    confirm_action(ctx, call(ctx, "freeze_card", card="store card", reason="stolen").pending_action["id"])
    refused = call(ctx, "unfreeze_card", card="store card")
    assert refused.status == "invalid_args" and "replacement" in refused.error


def test_a_rehearsal_runs_and_audits_a_proposal_but_keeps_no_pending_action(cards_ok, make_ctx):
    ctx = replace(make_ctx(), conversation_id="assist-1", rehearsal=True)
    proposed = call(ctx, "freeze_card", card="visa")
    assert proposed.status == "confirm", "a rehearsal shows what the copilot would propose"
    with cards_ok.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingAction)
                              .where(PendingAction.conversation_id == "assist-1")) == 0, "the rehearsal kept a write"
    assert audit_count(cards_ok, conversation_id="assist-1", name="freeze_card") == 1
    assert _card_status(cards_ok, "demo-debt-card-visa") == "active"


def test_cancel_expire_and_other_customers(cards_ok, make_ctx):
    ctx = make_ctx()
    action = call(ctx, "freeze_card", card="visa").pending_action
    assert confirm_action(make_ctx("demo-gig"), action["id"]).status == "not_found"
    assert cancel_action(ctx, action["id"]).result["cancelled"] is True
    assert cancel_action(ctx, action["id"]).replayed is True
    late = confirm_action(ctx, action["id"])
    assert late.status == "error" and "cancelled" in late.error
    assert _card_status(cards_ok, "demo-debt-card-visa") == "active"

    second = call(ctx, "freeze_card", card="visa").pending_action
    assert second["id"] != action["id"], "a settled action frees its idempotency key"
    expired = confirm_action(make_ctx(now=ctx.now + timedelta(minutes=31)), second["id"])
    assert expired.status == "error" and "expired" in expired.error
    assert open_pending_actions(ctx) == []
    assert _card_status(cards_ok, "demo-debt-card-visa") == "active"


def test_a_confirmation_that_cannot_be_carried_out_is_recorded_as_failed(cards_ok, make_ctx):
    ctx = make_ctx()
    action = call(ctx, "freeze_card", card="visa").pending_action
    with cards_ok.db.session() as session:
        session.execute(update(Card).where(Card.id == "demo-debt-card-visa").values(status="closed"))
    failed = confirm_action(ctx, action["id"])
    assert failed.status == "invalid_args" and "closed" in failed.error
    with cards_ok.db.session() as session:
        row = session.get(PendingAction, action["id"])
        assert row.status == "failed" and "closed" in row.result["error"]
        assert session.scalar(select(AuditEvent.decision).where(AuditEvent.kind == "action")
                              .order_by(AuditEvent.id.desc()).limit(1)) == "failed"
    retry = confirm_action(ctx, action["id"])
    assert retry.status == "error" and "failed" in retry.error


def test_disputes_only_for_posted_recent_charges_and_only_once(cards_ok, make_ctx):
    ctx = make_ctx()
    assert call(ctx, "dispute_transaction", transaction_id="demo-debt-t99999", reason="other").status == "not_found"
    with cards_ok.db.session() as session:
        pending_id = session.scalar(select(Transaction.id).where(Transaction.customer_id == "demo-debt",
                                                                 Transaction.status == "pending",
                                                                 Transaction.amount < 0).limit(1))
        income_id = session.scalar(select(Transaction.id).where(Transaction.customer_id == "demo-debt",
                                                                Transaction.category == "income").limit(1))
        old_id = session.scalar(select(Transaction.id).where(Transaction.customer_id == "demo-debt",
                                                             Transaction.amount < 0).order_by(Transaction.id).limit(1))
    assert "still pending" in call(ctx, "dispute_transaction", transaction_id=pending_id, reason="other").error
    assert "only a charge" in call(ctx, "dispute_transaction", transaction_id=income_id, reason="other").error
    too_old = call(ctx, "dispute_transaction", transaction_id=old_id, reason="wrong_amount")
    assert too_old.status == "invalid_args" and "hand off to an agent" in too_old.error
    duplicate_id = labelled(cards_ok, "demo-debt", "duplicate_charge")
    action = call(ctx, "dispute_transaction", transaction_id=duplicate_id, reason="duplicate_charge").pending_action
    assert action["summary"] == "Dispute the $64.82 charge at Olive Garden on 2026-11-18 as a duplicate charge"
    done = confirm_action(ctx, action["id"])
    assert done.result["status"] == "open" and done.result["amount"] == 64.82
    twice = call(ctx, "dispute_transaction", transaction_id=duplicate_id, reason="unauthorized")
    assert twice.status == "ok" and twice.result["changed"] is False
    with cards_ok.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 1


def test_pending_actions_are_listed_per_conversation(cards_ok, make_ctx):
    first, second = make_ctx(conversation_id="conv-a"), make_ctx(conversation_id="conv-b")
    call(first, "set_budget", category="dining", monthly_limit=300)
    call(second, "freeze_card", card="visa")
    assert [a["tool"] for a in open_pending_actions(first)] == ["set_budget"]
    assert sorted(a["tool"] for a in open_pending_actions(make_ctx())) == ["freeze_card", "set_budget"]
