"""The demo customers' payment set-up: saved payees (people, and the billers of their bills), standing orders,
direct debits, and the phone that gives their one-time codes. Secrets are encrypted with the vault's key."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pyotp
from cryptography.fernet import MultiFernet

from copilot.demo.personas import Flow, Persona
from copilot.store.models import Payee, ScheduledPayment, StepUpDevice

DIRECT_DEBIT_KINDS = ("bill", "subscription")
STANDING_ORDER_KINDS = ("transfer", "loan_payment")


def next_monthly(day: int, as_of: date) -> date:
    """The next day-of-month `day` after as_of (28 at most, so every month has it)."""
    day = min(day, 28)
    candidate = as_of.replace(day=day)
    if candidate <= as_of:
        candidate = (as_of.replace(day=1) + timedelta(days=32)).replace(day=day)
    return candidate


def _fixed(flow: Flow) -> Decimal | None:
    low, high = flow.amount
    return None if low != high or flow.seasonal else Decimal(str(flow.price_change[1] if flow.price_change else high))


def _moment(as_of: date, days_ago: int) -> datetime:
    return datetime.combine(as_of - timedelta(days=days_ago), time(10), tzinfo=timezone.utc)


def payment_rows(persona: Persona, as_of: date, cipher: MultiFernet) -> list:
    pid, rows = persona.id, []
    digits = random.Random(f"{pid}:payees")

    def payee(name: str, nickname: str, kind: str, category: str, days_ago: int) -> Payee:
        number = "".join(str(digits.randint(0, 9)) for _ in range(10))
        return Payee(id=f"{pid}-py{len(rows):02d}", customer_id=pid, name=name, nickname=nickname, kind=kind,
                     category=category, bank="", last4=number[-4:], added_at=_moment(as_of, days_ago),
                     account_ciphertext=cipher.encrypt(number.encode()).decode(), status="active")

    for spec in persona.payees:
        rows.append(payee(spec.name, spec.nickname, spec.kind, "", spec.added_days_ago))
    monthly = [f for f in persona.flows if f.cadence == "monthly"]
    for flow in (f for f in monthly if f.kind == "bill"):
        rows.append(payee(flow.merchants[0], "landlord" if flow.category == "rent" else "", "business", flow.category,
                          flow.from_days_ago))
    for index, flow in enumerate(monthly):
        direct_debit = flow.kind in DIRECT_DEBIT_KINDS and flow.channel == "ach"
        standing = flow.kind in STANDING_ORDER_KINDS and flow.counterpart and flow.pay_share is None \
            and _fixed(flow) is not None
        if (direct_debit or standing) and flow.to_days_ago == 0:
            rows.append(ScheduledPayment(
                id=f"{pid}-sp{index:02d}", customer_id=pid, kind="direct_debit" if direct_debit else "standing_order",
                from_account_id=f"{pid}-{flow.account}", to_account_id=None if direct_debit else
                f"{pid}-{flow.counterpart}", payee_id=None, merchant=flow.merchants[0], amount=_fixed(flow),
                currency="USD", cadence="monthly", next_on=next_monthly(flow.day, as_of), status="active",
                created_at=_moment(as_of, flow.from_days_ago)))
    phone = f"Phone ending {persona.phone[-4:]}"
    rows.append(StepUpDevice(id=f"{pid}-phone", customer_id=pid, name=phone, failed_attempts=0,
                             secret_ciphertext=cipher.encrypt(pyotp.random_base32().encode()).decode(),
                             created_at=_moment(as_of, 400)))
    return rows

