"""Payments now or on a date: transfer_between_accounts, pay_card, pay_bill and send_money.

Each is a write: the first call proposes (the source account with enough money when none is named, the usual
amount for a bill, a warning when the payment would leave too little for bills due before payday, a one-time
code when tools/risk.py sees risk); the confirmed call posts both sides in one transaction (tools/ledger.py), or
books a one-off for a later day. Sending to others is capped per day (`payment_daily_limit`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field
from sqlalchemy import func, or_, select

from copilot.store.models import Account, Card, Payee, ScheduledPayment, Transaction
from tools.data import DEBT_KINDS, DEPOSIT_KINDS, account_label, accounts, day_start, history, pick_account
from tools.ledger import Leg, check_funds, post, spendable
from tools.money import amount, cents, show
from tools.payees import find_payee
from tools.recurring import detect
from tools.risk import step_up_reasons
from tools.spec import Call, InvalidArgs, Proposal, ToolArgs, tool

MAX_DAYS_AHEAD = 365


class When(ToolArgs):
    from_account: str | None = Field(None, description="The account to pay from (name, last 4 digits or id); "
                                                       "default: the one with enough money.")
    on: date | None = Field(None, description="A later day to pay on (YYYY-MM-DD); default today.")


class TransferArgs(When):
    to_account: str = Field(description="The customer's own account to move money into.")
    amount: float = Field(gt=0, le=1_000_000, description="How much to move, in the source account's currency.")


class PayCardArgs(When):
    card: str = Field(description="The credit card or loan to pay (name, last 4 digits or id).")
    pay: Literal["statement", "minimum", "full", "amount"] = Field(
        "statement", description="The statement balance, the minimum payment, the full balance, or `amount`.")
    amount: float | None = Field(None, gt=0, le=1_000_000, description="With pay=amount: how much.")


class PayBillArgs(When):
    payee: str = Field(description="The saved biller (name, or what it is for: \"rent\", \"electric\").")
    amount: float | None = Field(None, gt=0, le=1_000_000, description="Default: what was paid to them last time.")


class SendMoneyArgs(When):
    recipient: str = Field(description="The saved payee to send to (name or nickname: \"mom\").")
    amount: float = Field(gt=0, le=1_000_000, description="How much to send, in the customer's home currency.")


@dataclass(frozen=True)
class Payment:
    """A payment worked out from the arguments: ready to propose or to run."""

    source: Account
    leg: Leg
    value: Decimal
    on: date | None
    payee: Payee | None = None

    @property
    def to_others(self) -> bool:
        return self.leg.account is None


def _day(call: Call, on: date | None) -> date | None:
    if on is None or on == call.today:
        return None
    if on < call.today:
        raise InvalidArgs(f"{on.isoformat()} is in the past; a payment can be made today or on a later day")
    if on > call.today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidArgs("a payment can be scheduled up to a year ahead")
    return on


def last_paid(call: Call, merchant: str) -> tuple[Decimal, str] | None:
    """What was paid to this merchant last, and from which account (None when never)."""
    row = call.session.execute(select(Transaction.amount, Transaction.account_id).where(
        Transaction.customer_id == call.ctx.customer_id, Transaction.merchant == merchant, Transaction.amount < 0)
        .order_by(Transaction.occurred_at.desc()).limit(1)).first()
    return (-row.amount, row.account_id) if row else None


def choose_source(call: Call, wanted: str | None, value: Decimal, usual: str | None = None,
                  currency: str | None = None, exclude: str | None = None) -> Account:
    """The named deposit account, or the one that usually pays this, or the checking account with the most money
    (any other deposit account when the money goes into checking)."""
    options = [a for a in accounts(call, DEPOSIT_KINDS) if currency in (None, a.currency) and a.id != exclude]
    if not options:
        raise InvalidArgs("there is no deposit account to pay from")
    if wanted:
        return pick_account(options + [a for a in accounts(call, DEBT_KINDS)], wanted)
    enough = [a for a in options if spendable(a) >= value]
    usual_one = next((a for a in enough if a.id == usual), None)
    checking = sorted((a for a in enough if "checking" in a.kind), key=lambda a: -spendable(a))
    return usual_one or (checking or sorted(enough or options, key=lambda a: -spendable(a)))[0]


def _bills_before_payday(call: Call, source: Account) -> tuple[Decimal, list[str], date | None]:
    """Bills expected from this account before the next payday: their total, names, and the payday."""
    if "transactions:read" not in call.consent.scopes:
        return Decimal(0), [], None
    series = [s for s in detect(history(call, call.today - timedelta(days=120)), call.today) if s.active]
    paydays = sorted(s.next_date for s in series if s.incoming and s.category == "income")
    payday = paydays[0] if paydays else call.today + timedelta(days=30)
    due = [s for s in series if not s.incoming and s.account_id == source.id and s.next_date <= payday
           and s.kind in ("bill", "subscription", "debt_payment")]
    return sum((s.typical for s in due), Decimal(0)), [s.merchant for s in due], payday if paydays else None


def _sent_since(call: Call, since: datetime, payee: Payee | None = None) -> Decimal:
    """What already left for other people and businesses (one payee, or all of them) since a moment."""
    names = [payee.name] if payee else select(Payee.name).where(Payee.customer_id == call.ctx.customer_id)
    total = call.session.scalar(select(func.coalesce(func.sum(-Transaction.amount), 0)).where(
        Transaction.customer_id == call.ctx.customer_id, Transaction.channel == "transfer", Transaction.amount < 0,
        Transaction.occurred_at >= since, Transaction.merchant.in_(names)))
    return Decimal(str(total))


def _within_limit(call: Call, payment: Payment) -> None:
    """The published limits on paying others: per payment, per day, and in a new payee's first 24 hours."""
    if not payment.to_others:
        return
    settings, currency = call.ctx.settings, payment.source.currency
    single, daily = Decimal(str(settings.payment_single_limit)), Decimal(str(settings.payment_daily_limit))
    if payment.value > single:
        raise InvalidArgs(f"one payment to someone else can be up to {show(single, currency)} here; a larger one "
                          "can go as a wire transfer in the app (same business day before 3 p.m. Central Time)")
    sent = _sent_since(call, day_start(call.today))
    if sent + payment.value > daily:
        raise InvalidArgs(f"that is over your daily limit for payments to others ({show(daily, currency)}"
                          f"; {show(sent, currency)} already sent today). You can raise it in the app "
                          "or send the rest tomorrow")
    first_day = Decimal(str(settings.new_payee_first_day_limit))
    if payment.payee is not None and call.ctx.now - payment.payee.added_at < timedelta(hours=24):
        to_them = _sent_since(call, payment.payee.added_at, payment.payee)
        if to_them + payment.value > first_day:
            raise InvalidArgs(f"{payment.payee.name} was added less than 24 hours ago, and up to "
                              f"{show(first_day, currency)} can be sent to a new payee in that time "
                              f"({show(to_them, currency)} already sent); the rest can go tomorrow")


def _already_scheduled(call: Call, payee: Payee) -> ScheduledPayment | None:
    """The active direct debit or standing order that already pays this payee, soonest first."""
    return call.session.scalar(select(ScheduledPayment).where(
        ScheduledPayment.customer_id == call.ctx.customer_id, ScheduledPayment.status == "active",
        ScheduledPayment.kind.in_(("direct_debit", "standing_order")),
        or_(ScheduledPayment.payee_id == payee.id, ScheduledPayment.merchant == payee.name))
        .order_by(ScheduledPayment.next_on).limit(1))


def propose(call: Call, payment: Payment, args: dict, what: str) -> Proposal:
    """The confirmation a customer sees: what (`what` holds "{amount}"), from where, when, and what to know before
    saying yes."""
    check_funds(payment.source, payment.value) if payment.on is None else None
    _within_limit(call, payment)
    notes = []
    bills, names, payday = _bills_before_payday(call, payment.source)
    left = spendable(payment.source) - payment.value
    if payment.on is None and bills and left < bills:
        notes.append(f"after it, the {account_label(payment.source)} would have {show(left, payment.source.currency)}, "
                     f"less than the {show(bills, payment.source.currency)} of bills due before "
                     f"{'your next payday on ' + payday.isoformat() if payday else 'the end of the month'} "
                     f"({', '.join(names[:3])})")
    collecting = _already_scheduled(call, payment.payee) if payment.payee else None
    if collecting:
        how = "collects this by direct debit" if collecting.kind == "direct_debit" else "is already paid by a " \
            "standing order"
        notes.append(f"{payment.payee.name} {how} (next on {collecting.next_on.isoformat()}), so paying now as well "
                     "may pay them twice")
    reasons = step_up_reasons(call, payment.value, payment.payee if payment.to_others else None)
    when = f"on {payment.on.isoformat()}" if payment.on else "now"
    summary = (f"{what.format(amount=show(payment.value, payment.source.currency))} from your "
               f"{account_label(payment.source)} {when}."
               + (f" Please note: {'; '.join(notes)}." if notes else "")
               + (f" Because {' and '.join(reasons)}, we'll also ask for a one-time code from your phone." if reasons
                  else ""))
    return Proposal(summary=summary, args={**args, "from_account": payment.source.id,
                                           **({"on": payment.on.isoformat()} if payment.on else {})},
                    requires_step_up=bool(reasons))


def execute(call: Call, payment: Payment) -> dict:
    """Post the payment now, or book it for its day (a one-off the scheduler pays)."""
    _within_limit(call, payment)
    if payment.on is None:
        return {"paid": True, **post(call.session, call.customer, payment.source, payment.leg, payment.value,
                                     call.ctx.now)}
    booked = ScheduledPayment(id=f"{call.ctx.customer_id}-sp{uuid.uuid4().hex[:8]}", customer_id=call.ctx.customer_id,
                              kind="one_off", from_account_id=payment.source.id,
                              to_account_id=payment.leg.account.id if payment.leg.account else None,
                              payee_id=payment.payee.id if payment.payee else None, merchant=payment.leg.name,
                              amount=payment.value, currency=payment.source.currency, cadence="once",
                              next_on=payment.on, status="active", created_at=call.ctx.now)
    call.session.add(booked)
    return {"scheduled": True, "id": booked.id, "on": payment.on.isoformat(), "amount": amount(payment.value),
            "currency": payment.source.currency, "from": account_label(payment.source), "to": payment.leg.name}


# --- between own accounts ------------------------------------------------------------------------------------
def payee_leg(payee: Payee) -> Leg:
    return Leg(name=payee.name, category=payee.category or "transfers")


def own_leg(account: Account) -> Leg:
    category = "debt_payments" if account.kind in DEBT_KINDS else "savings" if account.kind == "savings" else "transfers"
    return Leg(name=f"Transfer to {account.name}", category=category, account=account)


def _transfer(call: Call, args: TransferArgs) -> Payment:
    value = cents(args.amount)
    destination = pick_account(accounts(call), args.to_account)
    source = choose_source(call, args.from_account, value, currency=destination.currency, exclude=destination.id)
    return Payment(source, own_leg(destination), value, _day(call, args.on))


def _plan_transfer(call: Call, args: TransferArgs) -> Proposal:
    payment = _transfer(call, args)
    return propose(call, payment, args.model_dump(mode="json", exclude_none=True),
                   f"Move {{amount}} to your {account_label(payment.leg.account)}")


@tool(scopes=("payments:write",), writes=True, prepare=_plan_transfer)
def transfer_between_accounts(call: Call, args: TransferArgs) -> dict:
    """Move money between the customer's own accounts (checking, savings, wallet), now or on a later day. A write:
    the first call proposes it for the customer to confirm."""
    return execute(call, _transfer(call, args))


# --- cards and loans --------------------------------------------------------------------------------------------
def statement_balance(call: Call, debt: Account) -> Decimal:
    """What the last statement said is owed: today's balance less the net charges posted since it closed (a
    statement closes 21 days before the payment due day, the shortest grace period card rules allow)."""
    due_day = debt.payment_due_day or 1
    due = call.today.replace(day=min(due_day, 28))
    if due <= call.today:
        due = (due.replace(day=1) + timedelta(days=32)).replace(day=min(due_day, 28))
    closed = due - timedelta(days=21)
    if closed > call.today:
        closed -= timedelta(days=30)
    since = call.session.scalar(select(func.coalesce(func.sum(Transaction.amount), 0)).where(
        Transaction.account_id == debt.id, Transaction.occurred_at >= day_start(closed + timedelta(days=1))))
    return max(Decimal(0), cents(debt.current_balance + Decimal(str(since))))


def _card_payment(call: Call, args: PayCardArgs) -> Payment:
    networks = dict(call.session.execute(select(Card.account_id, Card.network).where(
        Card.customer_id == call.ctx.customer_id)).all())
    debt = pick_account(accounts(call, DEBT_KINDS), args.card, also=networks)
    if args.pay == "amount" or args.amount is not None:
        if args.amount is None:
            raise InvalidArgs("how much should be paid? give `amount`, or pay the statement, minimum or full balance")
        value = cents(args.amount)
    else:
        owed = {"statement": statement_balance(call, debt), "minimum": debt.min_payment or Decimal(0),
                "full": debt.current_balance}[args.pay]
        value = min(cents(owed), debt.current_balance)
    if debt.current_balance <= 0:
        raise InvalidArgs(f"nothing is owed on the {account_label(debt)}")
    if value > debt.current_balance:
        raise InvalidArgs(f"that is more than the {show(debt.current_balance, debt.currency)} owed on the "
                          f"{account_label(debt)}")
    if value <= 0:
        raise InvalidArgs(f"the {args.pay} balance of the {account_label(debt)} is zero; choose another amount")
    source = choose_source(call, args.from_account, value, currency=debt.currency)
    return Payment(source, own_leg(debt), value, _day(call, args.on))


def _plan_card(call: Call, args: PayCardArgs) -> Proposal:
    payment = _card_payment(call, args)
    kind = "" if args.amount is not None else {"statement": " (the statement balance)", "minimum": " (the minimum)",
                                               "full": " (the full balance)", "amount": ""}[args.pay]
    return propose(call, payment, args.model_dump(mode="json", exclude_none=True) | {"amount": amount(payment.value),
                                                                                    "pay": "amount"},
                   f"Pay {{amount}}{kind} to your {account_label(payment.leg.account)}")


@tool(scopes=("payments:write",), writes=True, prepare=_plan_card)
def pay_card(call: Call, args: PayCardArgs) -> dict:
    """Pay a credit card or loan from a deposit account: the statement balance (default), the minimum, the full
    balance, or an amount; now or on a later day. A write: the first call proposes it for the customer to confirm."""
    return execute(call, _card_payment(call, args))


# --- bills and people ---------------------------------------------------------------------------------------------
def _payee_payment(call: Call, wanted: str, value: float | None, from_account: str | None, on: date | None) -> Payment:
    payee = find_payee(call, wanted)
    before = last_paid(call, payee.name)
    if value is None and before is None:
        raise InvalidArgs(f"how much should {payee.name} be paid? Nothing was paid to them before")
    chosen = cents(value) if value is not None else before[0]
    source = choose_source(call, from_account, chosen, usual=before[1] if before else None)
    return Payment(source, payee_leg(payee), chosen, _day(call, on), payee)


def _bill(call: Call, args: PayBillArgs) -> Payment:
    return _payee_payment(call, args.payee, args.amount, args.from_account, args.on)


def _plan_bill(call: Call, args: PayBillArgs) -> Proposal:
    payment = _bill(call, args)
    usual = " (the same as last time)" if args.amount is None else ""
    return propose(call, payment, args.model_dump(mode="json", exclude_none=True) |
                   {"payee": payment.payee.id, "amount": amount(payment.value)},
                   f"Pay {payment.payee.name} {{amount}}{usual}")


@tool(scopes=("payments:write",), writes=True, prepare=_plan_bill)
def pay_bill(call: Call, args: PayBillArgs) -> dict:
    """Pay a bill to a saved payee ("pay rent", "pay the electric bill"); without an amount, what was paid to them
    last time. A write: the first call proposes it for the customer to confirm."""
    return execute(call, _bill(call, args))


def _send(call: Call, args: SendMoneyArgs) -> Payment:
    return _payee_payment(call, args.recipient, args.amount, args.from_account, args.on)


def _called(payee: Payee) -> str:
    return f"{payee.name} ({payee.nickname})" if payee.nickname else payee.name


def _plan_send(call: Call, args: SendMoneyArgs) -> Proposal:
    payment = _send(call, args)
    return propose(call, payment, args.model_dump(mode="json", exclude_none=True) | {"recipient": payment.payee.id},
                   f"Send {{amount}} to {_called(payment.payee)} (account ending {payment.payee.last4})")


@tool(scopes=("payments:write",), writes=True, prepare=_plan_send)
def send_money(call: Call, args: SendMoneyArgs) -> dict:
    """Send money to a saved payee (a person or business), now or on a later day. Someone not saved yet is added
    first with add_payee. A write: the first call proposes it for the customer to confirm."""
    return execute(call, _send(call, args))
