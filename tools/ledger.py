"""The bank's ledger for payments: one payment posts to both sides, with the balances, in the caller's transaction.

Only the money tools call `post`; it runs inside the confirmation's transaction, so a crash leaves neither half.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from copilot.store.models import Account, Customer, Transaction
from tools.data import DEBT_KINDS, account_label
from tools.money import amount, show
from tools.spec import InvalidArgs


@dataclass(frozen=True)
class Leg:
    """Where the money goes: one of the customer's own accounts, or someone else (a payee, a biller)."""

    name: str
    category: str
    account: Account | None = None


def spendable(account: Account) -> Decimal:
    """What can leave an account now: the available balance of a deposit account (credit and loans pay nothing)."""
    return Decimal(0) if account.kind in DEBT_KINDS else account.available_balance


def check_funds(source: Account, value: Decimal) -> None:
    if source.kind in DEBT_KINDS:
        raise InvalidArgs(f"payments are made from a deposit account, not from the {account_label(source)}")
    if value > spendable(source):
        raise InvalidArgs(f"that would overdraw the {account_label(source)}: {show(spendable(source), source.currency)} "
                          f"is available and the payment is {show(value, source.currency)}")


def _row(customer: Customer, account: Account, value: Decimal, merchant: str, category: str, now: datetime) -> Transaction:
    return Transaction(id=f"{customer.id}-p{uuid.uuid4().hex[:12]}", customer_id=customer.id, account_id=account.id,
                       occurred_at=now, amount=value, currency=account.currency, merchant=merchant[:120],
                       description=merchant.upper()[:250], category=category, channel="transfer",
                       country=customer.home_country, status="posted")


def post(session: Session, customer: Customer, source: Account, to: Leg, value: Decimal, now: datetime) -> dict:
    """Move `value` from `source` to `to` now: a debit, and for an own account the matching credit (a card or loan
    owes that much less); balances change with the rows. Refuses what would overdraw or cross currencies."""
    check_funds(source, value)
    if to.account is not None and to.account.currency != source.currency:
        raise InvalidArgs(f"the {account_label(source)} is in {source.currency} and the {account_label(to.account)} "
                          f"in {to.account.currency}; exchanges are done in the wallet, not by a transfer")
    if to.account is not None and to.account.id == source.id:
        raise InvalidArgs("the money would leave and arrive in the same account")
    rows = [_row(customer, source, -value, to.name, to.category, now)]
    source.current_balance -= value
    source.available_balance -= value
    if to.account is not None:
        rows.append(_row(customer, to.account, value, f"Transfer from {source.name}", to.category, now))
        if to.account.kind in DEBT_KINDS:
            to.account.current_balance -= value
            if to.account.credit_limit is not None:
                to.account.available_balance += value
        else:
            to.account.current_balance += value
            to.account.available_balance += value
    session.add_all(rows)
    return {"transaction_ids": [r.id for r in rows], "amount": amount(value), "currency": source.currency,
            "from": account_label(source), "to": account_label(to.account) if to.account else to.name,
            "from_balance_after": amount(source.available_balance)}
