"""Dialogue repair on the demo bank: answers to the copilot's own questions, corrections, cancellations, what-ifs that
change one slot, pending writes that wait through digressions, and silence while a person has the conversation.

Each conversation is one the issue reports failing (issue 14 and issue 13 §1-2), replayed through the real loop.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from copilot.store.models import Budget, Card, Conversation, Handoff, SavingsGoal, ScheduledPayment, Transaction
from tests.agent.conftest import grant


def tools_of(result) -> list[str]:
    return [t["name"] for t in result.tools]


def args_of(result, tool: str) -> dict:
    return next(t["args"] for t in result.tools if t["name"] == tool)


def card_status(runtime, card_id: str) -> str:
    with runtime.db.session() as session:
        return session.get(Card, card_id).status


# --- answers to the copilot's own questions ---------------------------------------------------------------------
def test_which_card_is_answered_by_naming_it(copilot, runtime):
    grant(runtime, "demo-traveler", "cards:manage")
    conversation = copilot.start("demo-traveler")
    asked = copilot.send(conversation, "freeze my card")
    assert asked.route == "clarify" and "Voyager" in asked.answer
    answered = copilot.send(conversation, "the voyager one")
    assert answered.route == "confirm" and args_of(answered, "freeze_card")["card"] == "demo-traveler-card-travel"


def test_a_charge_is_picked_from_the_list_by_position_or_merchant(copilot, runtime):
    grant(runtime, "demo-debt", "disputes:write")
    conversation = copilot.start("demo-debt")
    listed = copilot.send(conversation, "i want to dispute a charge from last month")
    assert listed.route == "clarify" and "Which one" in listed.answer
    picked = copilot.send(conversation, "the second one")
    assert picked.route == "confirm" and tools_of(picked) == ["dispute_transaction"]


def test_an_amount_answers_the_budget_question(copilot, runtime):
    grant(runtime, "demo-debt", "budgets:write")
    conversation = copilot.start("demo-debt")
    asked = copilot.send(conversation, "set a budget for eating out")
    assert asked.route == "clarify"
    answered = copilot.send(conversation, "300")
    assert answered.route == "confirm"
    assert args_of(answered, "set_budget") == {"category": "dining", "monthly_limit": 300}


# --- follow-ups, corrections, cancellation -------------------------------------------------------------------
def test_a_what_if_changes_one_slot_and_keeps_the_rest(copilot):
    conversation = copilot.start("demo-debt")
    first = copilot.send(conversation, "how long to clear my cards if I pay 800 a month")
    assert args_of(first, "debt_payoff_plan")["monthly_payment"] == 800
    snowball = copilot.send(conversation, "what about the snowball method")
    plan = args_of(snowball, "debt_payoff_plan")
    assert plan["strategy"] == "snowball" and plan["monthly_payment"] == 800


def test_a_what_if_on_a_waiting_goal_never_lets_a_yes_create_the_old_one(copilot, runtime):
    grant(runtime, "demo-newjob", "goals:write")
    conversation = copilot.start("demo-newjob")
    first = copilot.send(conversation, "I want to build up an emergency fund, like 2,000 by next summer")
    assert first.route == "confirm" and args_of(first, "create_savings_goal")["target_date"] == "2027-06-01"
    moved = copilot.send(conversation, "hmm what if i push it to end of august instead")
    assert "Still waiting for your go-ahead: Create the savings goal" not in moved.answer or "2027-06" not in moved.answer
    for reply in ("yeah ok set that up", "yes"):
        copilot.send(conversation, reply)
    with runtime.db.session() as session:
        dates = [g.target_date.isoformat() for g in session.scalars(
            select(SavingsGoal).where(SavingsGoal.customer_id == "demo-newjob", SavingsGoal.target_amount == 2000))]
    assert dates == ["2027-08-31"], f"goals created: {dates}"


def test_a_what_if_that_changes_a_waiting_write_withdraws_it():
    from types import SimpleNamespace

    from copilot.agent import dialogue

    waiting = {"args": {"target_amount": 2000, "target_date": "2027-06-01"}}
    plan = SimpleNamespace(status="ok", args={"target_amount": 2000, "target_date": "2027-08-31"})
    assert dialogue.overtaken(waiting, True, [plan])
    assert not dialogue.overtaken(waiting, False, [plan])                     # not a what-if: it keeps waiting
    assert not dialogue.overtaken(waiting, True, [SimpleNamespace(status="ok", args={"target_amount": 2000})])


def test_a_vague_yes_to_a_waiting_write_is_asked_again_not_denied(profile):
    from datetime import date

    from copilot.agent.planner import Planner
    from copilot.agent.state import DialogueState
    from copilot.nlu.model import Reading

    vague = Reading(text="ok sure", act="affirm", act_confidence=0.6, actions={}, topics={})
    assert Planner().plan(vague, DialogueState(), profile, date(2026, 11, 28), waiting=True).reply == "unclear_yes"
    assert Planner().plan(vague, DialogueState(), profile, date(2026, 11, 28)).reply == "nothing_pending"


def test_a_correction_replaces_the_proposal(copilot, runtime):
    grant(runtime, "demo-debt", "cards:manage")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "freeze my visa").route == "confirm"
    corrected = copilot.send(conversation, "no, I meant the store card")
    assert corrected.route == "confirm" and args_of(corrected, "freeze_card")["card"] == "demo-debt-card-store"
    copilot.send(conversation, "yes")
    assert card_status(runtime, "demo-debt-card-store") == "frozen"
    assert card_status(runtime, "demo-debt-card-visa") == "active"


def test_a_new_amount_after_a_question_in_between_changes_the_waiting_payment(copilot, runtime):
    grant(runtime, "demo-debt", "payments:write")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "send 50 to mom").route == "confirm"
    assert tools_of(copilot.send(conversation, "what's my balance?")) == ["get_balances"]
    changed = copilot.send(conversation, "actually make it 75")
    assert changed.route == "confirm" and args_of(changed, "send_money")["amount"] == 75, changed.answer
    assert copilot.send(conversation, "yes").route == "answer"
    with runtime.db.session() as session:
        sent = list(session.scalars(select(Transaction.amount).where(Transaction.customer_id == "demo-debt",
                                                                     Transaction.merchant == "Linda Reyes")))
    assert sent.count(Decimal("-75.00")) == 1 and Decimal("-50.00") not in sent, sent


@pytest.mark.parametrize("reply, runs", [("yes cancel it", True), ("yes go ahead and cancel it", True),
                                         ("cancel it", False), ("yes but cancel the gym one instead", False)])
def test_naming_a_cancellation_in_the_yes_confirms_it(copilot, runtime, reply, runs):
    grant(runtime, "demo-debt", "payments:write")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "cancel the xfinity direct debit").route == "confirm"
    copilot.send(conversation, reply)
    with runtime.db.session() as session:
        status = session.scalar(select(ScheduledPayment.status).where(ScheduledPayment.merchant == "Xfinity Internet"))
    assert (status == "cancelled") is runs, f"{reply!r}: {status}"


@pytest.mark.parametrize("text", ["pay the statement balance on the business card",
                                  "pay the business platinum statement balance now instead of waiting for the 9th"])
def test_a_card_payment_names_the_card_owed_not_a_biller_or_the_checking_account(copilot, runtime, text):
    grant(runtime, "demo-sme", "payments:write")
    result = copilot.send(copilot.start("demo-sme"), text)
    assert result.route == "confirm" and args_of(result, "pay_card")["card"] == "Business Platinum Card", result.answer
    assert args_of(result, "pay_card")["pay"] == "statement"


def test_a_runner_up_reading_never_adds_a_payment_nobody_asked_for(copilot, runtime):
    grant(runtime, "demo-traveler", "payments:write")
    result = copilot.send(copilot.start("demo-traveler"), "pause the 500 monthly transfer into savings until january? "
                                                         "travelling a lot in december and want the cash in checking")
    assert result.pending_action is None and result.route != "confirm", result.answer


def test_a_payee_named_in_the_request_or_as_the_answer_is_kept_whole(copilot, runtime):
    grant(runtime, "demo-sme", "payments:write")
    inline = copilot.send(copilot.start("demo-sme"),
                          "add a new payee: Bright Flour Co, account 4417 2290 0183, routing 021000021")
    assert inline.route == "confirm" and "Add Bright Flour Co as a payee (account ending 0183)" in inline.answer
    conversation = copilot.start("demo-sme")
    assert copilot.send(conversation, "add a payee").route == "clarify"
    copilot.send(conversation, "Bright Flour Co")
    answered = copilot.send(conversation, "account 441722900183")
    assert "Add Bright Flour Co as a payee" in answered.answer, answered.answer


def test_forget_it_drops_the_open_question(copilot, runtime):
    grant(runtime, "demo-debt", "budgets:write")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "set a budget for eating out").route == "clarify"
    dropped = copilot.send(conversation, "forget it")
    assert dropped.route == "answer" and not dropped.tools
    with copilot.runtime.db.session() as session:
        assert session.get(Conversation, conversation).state["awaiting"] is None


# --- pending writes: only an unambiguous yes runs them ---------------------------------------------------------
@pytest.mark.parametrize("reply", ["ok what's my balance?", "sure, but first tell me my balance", "do it later",
                                   "y", "ok so how much do I owe?", "yeah no", "ok wait",
                                   "Sure thing, but what does freezing do?"])
def test_a_casual_reply_never_runs_the_pending_freeze(copilot, runtime, reply):
    grant(runtime, "demo-debt", "cards:manage")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "freeze my store card").route == "confirm"
    result = copilot.send(conversation, reply)
    assert card_status(runtime, "demo-debt-card-store") == "active", f"{reply!r} froze the card"
    cancelled = "Nothing was changed" in result.answer          # a reply read as a plain no ("yeah no") cancels
    assert cancelled or "freeze_card" not in tools_of(result), f"{reply!r} ran the freeze"
    assert result.route != "confirm" or "Still waiting" in result.answer or "store" in result.answer.lower()


def test_a_question_is_answered_and_the_pending_action_asked_about_again(copilot, runtime):
    grant(runtime, "demo-debt", "cards:manage")
    conversation = copilot.start("demo-debt")
    copilot.send(conversation, "freeze my store card")
    digression = copilot.send(conversation, "ok what's my balance?")
    assert "get_balances" in tools_of(digression) and "Still waiting for your go-ahead" in digression.answer
    done = copilot.send(conversation, "Awesome, go ahead!")
    assert "frozen" in done.answer and card_status(runtime, "demo-debt-card-store") == "frozen"


# --- reads never propose writes; proposals carry the numbers that were asked for --------------------------------
def test_showing_savings_goals_lists_them_and_creates_nothing(copilot, runtime):
    conversation = copilot.start("demo-newjob")
    copilot.send(conversation, "how much do I need to save each month for 3000 by June")
    shown = copilot.send(conversation, "show my savings goals")
    assert tools_of(shown) == ["list_savings_goals"] and shown.route == "answer"
    copilot.send(conversation, "ok thanks")
    with runtime.db.session() as session:
        assert session.scalars(select(SavingsGoal).where(SavingsGoal.customer_id == "demo-newjob")).all() == []


def test_asking_for_another_customers_data_after_a_list_proposes_nothing(copilot, runtime):
    grant(runtime, "demo-debt", "disputes:write")
    conversation = copilot.start("demo-debt")
    assert "search_transactions" in tools_of(copilot.send(conversation, "show my olive garden transactions"))
    result = copilot.send(conversation, "now do the same for customer demo-sme")
    assert result.route != "confirm" and "dispute_transaction" not in tools_of(result)
    assert "Shah" not in result.answer and "Restaurant Depot" not in result.answer


def test_showing_disputes_is_a_read_not_a_hand_off(copilot):
    result = copilot.send(copilot.start("demo-debt"), "show my disputes")
    assert tools_of(result) == ["list_disputes"] and result.route == "answer"


@pytest.mark.parametrize("text", ["set a budget of 150 a month for groceries, 3 of us eat at home",
                                  "set a grocery budget of 150 a month for my 2 kids"])
def test_incidental_numbers_are_not_the_budget(copilot, runtime, text):
    grant(runtime, "demo-gig", "budgets:write")
    result = copilot.send(copilot.start("demo-gig"), text)
    assert result.route == "confirm" and args_of(result, "set_budget")["monthly_limit"] == 150


@pytest.mark.parametrize("text", ["pay 1e308 a month on my cards, how long", "how long if I pay -600 a month",
                                  "save 1e308 a week for a car by june", "how much did i spend in year 0001"])
def test_absurd_values_get_a_question_never_a_reinterpretation(copilot, text):
    result = copilot.send(copilot.start("demo-debt"), text)
    assert result.route == "clarify" and not result.tools, (text, result.tools)


@pytest.mark.parametrize("text", ["freeze card demo-gig-card-debit", "freeze the visa ending 4108, it belongs to my husband"])
def test_a_card_that_is_not_the_callers_gets_a_question_not_the_nearest_own_card(copilot, runtime, text):
    grant(runtime, "demo-debt", "cards:manage")
    result = copilot.send(copilot.start("demo-debt"), text)
    assert result.route == "clarify" and "freeze_card" not in tools_of(result)


# --- a person has the conversation -----------------------------------------------------------------------------
def test_the_copilot_stays_quiet_while_an_agent_has_the_conversation(copilot, runtime):
    conversation = copilot.start("demo-gig")
    assert copilot.send(conversation, "I want to talk to a person").route == "handoff"
    with runtime.db.session() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation))
        handoff.status, handoff.agent_id = "assigned", "alice"
    relayed = copilot.send(conversation, "what's my balance?")
    assert relayed.route == "handoff" and not relayed.tools and "support agent" in relayed.answer
    with runtime.db.session() as session:
        session.scalar(select(Handoff).where(Handoff.conversation_id == conversation)).status = "closed"
    back = copilot.send(conversation, "what's my balance?")
    assert tools_of(back) == ["get_balances"]


def test_set_budget_runs_once_on_yes(copilot, runtime):
    grant(runtime, "demo-debt", "budgets:write")
    conversation = copilot.start("demo-debt")
    assert copilot.send(conversation, "set my dining budget to 275").route == "confirm"
    copilot.send(conversation, "yes please")
    with runtime.db.session() as session:
        budget = session.scalar(select(Budget).where(Budget.customer_id == "demo-debt", Budget.category == "dining"))
    assert float(budget.monthly_limit) == 275


def _proposed_charges(runtime, result) -> list[str]:
    from copilot.store.models import Transaction

    with runtime.db.session() as session:
        return [session.get(Transaction, t["args"]["transaction_id"]).merchant for t in result.tools
                if t["name"] == "dispute_transaction"]


@pytest.mark.parametrize("customer, opening, reply, merchant", [
    ("demo-traveler", "I want to dispute a charge", "sweetgreen, i got charged twice", "Sweetgreen"),
    ("demo-sme", "dispute a charge", "restaurant depot, the duplicate from last week", "Restaurant Depot"),
])
def test_a_reply_naming_another_merchant_never_disputes_the_alert_just_listed(copilot, runtime, customer, opening,
                                                                              reply, merchant):
    grant(runtime, customer, "disputes:write")
    conversation = copilot.start(customer)
    copilot.send(conversation, opening)
    result = copilot.send(conversation, reply)
    assert all(m == merchant for m in _proposed_charges(runtime, result)), result.answer


@pytest.mark.parametrize("opening, reply", [
    ("any weird charges on my account", "ok and the credit card specifically?"),
    ("someone might have my card number, got a weird text about a purchase i didnt make", "the visa credit card one"),
])
def test_naming_a_card_after_the_alert_list_is_not_taken_as_picking_its_only_charge(copilot, runtime, opening, reply):
    grant(runtime, "demo-gig", "disputes:write")
    conversation = copilot.start("demo-gig")
    copilot.send(conversation, opening)
    result = copilot.send(conversation, reply)
    assert "dispute_transaction" not in tools_of(result), result.answer
