"""schedule_transfer, list_scheduled and cancel_scheduled: standing orders, one-off future payments, direct debits.

A standing order or one-off is money the customer set to move; a direct debit is a biller's permission to collect.
Cancelling either stops future payments only (a direct debit already taken is disputed with dispute_transaction).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from copilot.store.models import Account, Payee, ScheduledPayment
from tools.data import account_label, accounts, history, pick_account
from tools.matching import match_one
from tools.money import amount, cents, show
from tools.payees import active_payees, find_payee
from tools.payments import choose_source, own_leg
from tools.recurring import detect
from tools.risk import step_up_reasons
from tools.spec import Call, InvalidArgs, NoChange, NotFound, Proposal, ToolArgs, tool

KINDS = {"standing_order": "standing order", "one_off": "scheduled payment", "direct_debit": "direct debit"}


class ScheduleArgs(ToolArgs):
    to: str = Field(description="Where it goes: one of the customer's own accounts, or a saved payee.")
    amount: float = Field(gt=0, le=1_000_000, description="How much each payment is.")
    cadence: Literal["once", "weekly", "biweekly", "monthly", "per_paycheque"] = Field(
        "monthly", description="How often; per_paycheque = the day after each payday.")
    start_on: date | None = Field(None, description="The first payment's day (default: the next payday for "
                                                    "per_paycheque, else tomorrow).")
    from_account: str | None = Field(None, description="The account it leaves (default: the checking account).")


class ListScheduledArgs(ToolArgs):
    kind: Literal["standing_order", "one_off", "direct_debit"] | None = Field(None, description="Only this kind.")


class CancelScheduledArgs(ToolArgs):
    item: str = Field(description="Which one: its id, or who or where it pays (\"the gym\", \"savings\", \"mom\").")


def scheduled_dict(item: ScheduledPayment, labels: dict[str, str]) -> dict:
    to = f"your {labels[item.to_account_id]}" if item.to_account_id in labels else item.merchant
    return {"id": item.id, "kind": item.kind, "what": KINDS[item.kind], "to": to,
            "amount": amount(item.amount) if item.amount is not None else None, "currency": item.currency,
            "cadence": item.cadence, "next_on": item.next_on.isoformat(), "from": labels.get(item.from_account_id)}


def active_scheduled(call: Call) -> list[ScheduledPayment]:
    return list(call.session.scalars(select(ScheduledPayment).where(
        ScheduledPayment.customer_id == call.ctx.customer_id, ScheduledPayment.status == "active")
        .order_by(ScheduledPayment.next_on, ScheduledPayment.id)))


def _next_payday(call: Call) -> date | None:
    if "transactions:read" not in call.consent.scopes:
        return None
    paydays = sorted(s.next_date for s in detect(history(call, call.today - timedelta(days=120)), call.today)
                     if s.active and s.incoming and s.category == "income" and s.next_date >= call.today)
    return paydays[0] if paydays else None


def _target(call: Call, wanted: str) -> tuple[Account | None, Payee | None]:
    """An own account when the words name one (and no payee fits better), else a saved payee."""
    mine = accounts(call)
    try:
        return pick_account(mine, wanted), None
    except InvalidArgs:
        return None, find_payee(call, wanted)


def _schedule(call: Call, args: ScheduleArgs) -> tuple[ScheduledPayment, Payee | None]:
    account, payee = _target(call, args.to)
    value = cents(args.amount)
    source = choose_source(call, args.from_account, Decimal(0), currency=account.currency if account else None,
                           exclude=account.id if account else None)
    cadence, start = args.cadence, args.start_on
    if cadence == "per_paycheque":
        payday = _next_payday(call)
        regular = call.customer.pay_cadence if call.customer.pay_cadence in ("weekly", "biweekly", "monthly") \
            else "monthly"
        cadence, start = regular, start or (payday + timedelta(days=1) if payday else None)
    start = start or call.today + timedelta(days=1)
    if start <= call.today:
        raise InvalidArgs("the first payment must be on a later day than today")
    name = own_leg(account).name if account else payee.name
    return ScheduledPayment(id=f"{call.ctx.customer_id}-so{uuid.uuid4().hex[:8]}", customer_id=call.ctx.customer_id,
                            kind="one_off" if cadence == "once" else "standing_order", from_account_id=source.id,
                            to_account_id=account.id if account else None, payee_id=payee.id if payee else None,
                            merchant=name, amount=value, currency=source.currency, cadence=cadence, next_on=start,
                            status="active", created_at=call.ctx.now), payee


def _plan_schedule(call: Call, args: ScheduleArgs) -> Proposal:
    item, payee = _schedule(call, args)
    source = call.session.get(Account, item.from_account_id)
    every = "once" if item.cadence == "once" else {"weekly": "every week", "biweekly": "every two weeks",
                                                   "monthly": "every month"}[item.cadence]
    if args.cadence == "per_paycheque":
        every += ", the day after payday" if call.customer.pay_cadence == item.cadence else \
            " (your pay comes at no fixed interval, so monthly)"
    reasons = step_up_reasons(call, item.amount, payee)
    to = scheduled_dict(item, {a.id: account_label(a) for a in accounts(call)})["to"]
    return Proposal(summary=f"Set up a {KINDS[item.kind]}: {show(item.amount, item.currency)} to {to} "
                            f"{every}, from your {account_label(source)}, starting {item.next_on.isoformat()}. It "
                            "can be cancelled here before any payment."
                            + (f" Because {' and '.join(reasons)}, we'll also ask for a one-time code from your phone."
                               if reasons else ""),
                    args={**args.model_dump(mode="json", exclude_none=True), "from_account": source.id,
                          "cadence": item.cadence, "start_on": item.next_on.isoformat()},
                    requires_step_up=bool(reasons))


@tool(scopes=("payments:write",), writes=True, prepare=_plan_schedule)
def schedule_transfer(call: Call, args: ScheduleArgs) -> dict:
    """Set up a standing order (weekly, every two weeks, monthly, or after every payday: "move 150 to savings every
    payday") or a one-off payment on a later day, to an own account or a saved payee. A write: proposed first."""
    item, _ = _schedule(call, args)
    call.session.add(item)
    return {"scheduled": scheduled_dict(item, {a.id: account_label(a) for a in accounts(call)})}


@tool(scopes=("accounts:read",))
def list_scheduled(call: Call, args: ListScheduledArgs) -> dict:
    """The customer's standing orders, scheduled one-off payments and direct debits, next payment first. Use it
    for "what standing orders do I have", "which direct debits are set up"."""
    labels = {a.id: account_label(a) for a in accounts(call)}
    items = [scheduled_dict(i, labels) for i in active_scheduled(call) if args.kind in (None, i.kind)]
    return {"scheduled": items, "count": len(items)}


def find_scheduled(call: Call, wanted: str) -> ScheduledPayment:
    items = active_scheduled(call)
    if not items:
        raise NotFound("there are no standing orders, scheduled payments or direct debits to cancel")
    payees = {p.id: p for p in active_payees(call)}
    labels = {i.id: " ".join(filter(None, (i.merchant, KINDS[i.kind], payees[i.payee_id].nickname
                                           if i.payee_id in payees else ""))) for i in items}
    try:
        chosen = match_one(wanted, labels, "scheduled payment")
    except InvalidArgs as problem:
        raise NotFound(f"none of your standing orders or direct debits matches {wanted!r}; you have: "
                       + "; ".join(labels.values())) from problem
    return next(i for i in items if i.id == chosen)


def _plan_cancel(call: Call, args: CancelScheduledArgs) -> Proposal | NoChange:
    item = find_scheduled(call, args.item)
    paid = f"{show(item.amount, item.currency)} " if item.amount is not None else ""
    effect = ("the biller can no longer collect from your account; a payment already taken can still be disputed"
              if item.kind == "direct_debit" else "no further payments will be made")
    return Proposal(summary=f"Cancel the {KINDS[item.kind]} {paid}to {item.merchant} (next on "
                            f"{item.next_on.isoformat()}): {effect}.", args={"item": item.id})


@tool(scopes=("payments:write",), writes=True, prepare=_plan_cancel)
def cancel_scheduled(call: Call, args: CancelScheduledArgs) -> dict:
    """Cancel a standing order, a scheduled one-off payment or a direct debit (future payments only). A write:
    proposed first for the customer to confirm."""
    item = find_scheduled(call, args.item)
    item.status, item.cancelled_at = "cancelled", call.ctx.now
    return {"stopped": scheduled_dict(item, {a.id: account_label(a) for a in accounts(call)})}
