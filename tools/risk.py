"""Risk-based step-up for moving money: the signals that call for a one-time code, thresholds from settings.

- a new payee (added within `step_up_new_payee_days`): most authorised-push-payment scams pay someone new;
  except within `step_up_fresh_minutes` of adding them, which itself took a code (one check, not two in a row);
- an amount above the customer's usual (more than `step_up_usual_factor` x the 90th percentile of their own
  outgoing payments over 180 days, and above `step_up_usual_floor`): account takeovers empty accounts fast;
- a payment from a browser or app first seen within `step_up_new_device_days`: stolen credentials are used from
  the thief's own device;
- any payment within `step_up_after_fraud_days` of a fraud alert or of a card frozen as lost, stolen or misused:
  the person asking may not be the customer.
Moves between the customer's own accounts are checked only for the last signal: the money stays theirs.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import select

from copilot.store.models import Account, Card, ClientDevice, Conversation, Payee
from tools.data import DEPOSIT_KINDS, security_history
from tools.fraud_rules import find_alerts
from tools.money import show
from tools.spec import Call

USUAL_DAYS = 180
PAYMENT_CHANNELS = ("transfer", "ach", "wire")


def usual_payment(call: Call) -> Decimal | None:
    """The customer's usual payment: the 90th percentile of what left their deposit accounts by transfer or bill
    payment in the last 180 days (None without history)."""
    since = call.today - timedelta(days=USUAL_DAYS)
    deposit = set(call.session.scalars(select(Account.id).where(Account.customer_id == call.ctx.customer_id,
                                                                 Account.kind.in_(DEPOSIT_KINDS))))
    paid = [float(-t.amount) for t in security_history(call.session, call.ctx.customer_id, call.today)
            if t.day >= since and t.amount < 0 and t.channel in PAYMENT_CHANNELS and t.account_id in deposit]
    return Decimal(str(round(float(np.percentile(paid, 90)), 2))) if paid else None


def after_fraud(call: Call) -> str | None:
    """Why recent fraud signals call for a code, or None."""
    since = call.today - timedelta(days=call.ctx.settings.step_up_after_fraud_days)
    frozen = call.session.scalar(select(Card).where(
        Card.customer_id == call.ctx.customer_id, Card.status == "frozen",
        Card.status_reason.in_(("lost", "stolen", "suspected_fraud")), Card.status_changed_at >= call.ctx.now -
        timedelta(days=call.ctx.settings.step_up_after_fraud_days)))
    if frozen is not None:
        return f"a card was frozen as {frozen.status_reason.replace('_', ' ')} recently"
    alerts = find_alerts(security_history(call.session, call.ctx.customer_id, call.today), call.customer.home_country,
                         call.customer.home_currency, since, call.today)
    return "there was a fraud alert on your account in the last few days" if any(a.fraud_suspected for a in alerts) \
        else None


def new_device(call: Call) -> str | None:
    """Why the device of this conversation calls for a code, or None (an old device, or no device: terminal, eval)."""
    conversation = call.session.get(Conversation, call.ctx.conversation_id) if call.ctx.conversation_id else None
    device = call.session.get(ClientDevice, conversation.device_id) if conversation and conversation.device_id \
        else None
    recent = timedelta(days=call.ctx.settings.step_up_new_device_days)
    return "you're on a device we haven't seen you use before" if device and \
        call.ctx.now - device.first_seen < recent else None


def step_up_reasons(call: Call, value: Decimal, payee: Payee | None) -> list[str]:
    """Why this payment needs a one-time code (empty: it does not). `payee` None = between own accounts."""
    settings, reasons = call.ctx.settings, []
    if payee is not None:
        added_ago, fresh = call.ctx.now - payee.added_at, timedelta(minutes=settings.step_up_fresh_minutes)
        if fresh < added_ago <= timedelta(days=settings.step_up_new_payee_days):
            reasons.append(f"{payee.name} is a new payee")
        usual = usual_payment(call)
        floor = Decimal(str(settings.step_up_usual_floor))
        if value > floor and (usual is None or value > usual * Decimal(str(settings.step_up_usual_factor))):
            reasons.append(f"{show(value, call.customer.home_currency)} is more than you usually send"
                           + (f" (usually up to {show(usual, call.customer.home_currency)})" if usual else ""))
        device = new_device(call)
        if device:
            reasons.append(device)
    fraud = after_fraud(call)
    if fraud:
        reasons.append(fraud)
    return reasons

