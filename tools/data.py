"""Reading the customer's own rows for tools: accounts, and transaction history clamped to the consented lookback.

Tools read transactions only through `history()`, so the lookback window of `transactions:read` bites everywhere.
Never read AnomalyLabel or RecurringSeries here: they are ground truth for tests and scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Account, Transaction
from tools.matching import by_words, match_one
from tools.money import amount
from tools.spec import Call, OutOfWindow

DEPOSIT_KINDS = ("checking", "business_checking", "savings", "wallet")
DEBT_KINDS = ("credit_card", "personal_loan", "term_loan")
# Money that only moves between the customer's own accounts (or repays a card) is not spending.
NON_SPENDING = frozenset({"income", "transfers", "savings", "debt_payments", "taxes"})


@dataclass(frozen=True)
class Txn:
    """A transaction as the tools see it (a plain value: rules and detectors are pure functions over these)."""

    id: str
    at: datetime
    amount: Decimal
    currency: str
    merchant: str
    category: str
    account_id: str
    card_id: str | None = None
    channel: str = "card_present"
    country: str = "US"
    city: str | None = None
    status: str = "posted"
    original_amount: Decimal | None = None
    original_currency: str | None = None

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def is_spending(self) -> bool:
        return self.category not in NON_SPENDING

    def brief(self) -> dict[str, Any]:
        """The few fields an answer needs about one transaction."""
        data = {"id": self.id, "date": self.day.isoformat(), "merchant": self.merchant,
                "amount": amount(self.amount), "currency": self.currency}
        if self.original_currency:
            data["original_amount"] = amount(self.original_amount)
            data["original_currency"] = self.original_currency
        return data


# Txn's fields as columns, in order (rows are read as plain tuples: tools only read them, no ORM objects needed)
TXN_COLUMNS = tuple(getattr(Transaction, "occurred_at" if f.name == "at" else f.name) for f in fields(Txn))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def window(call: Call, start: date | None, end: date | None) -> tuple[date | None, date, bool]:
    """Clamp [start, end] to today and to the consented lookback; True when the lookback cut the start."""
    end = min(end or call.today, call.today)
    visible = call.visible_from
    if visible is None:
        return start, end, False
    if end < visible:
        raise OutOfWindow(visible)
    if start is None or start < visible:
        return visible, end, True
    return start, end, False


def _rows(session: Session, customer_id: str, first: date | None, last: date,
          account_ids: list[str] | None = None) -> list[Txn]:
    query = select(*TXN_COLUMNS).where(Transaction.customer_id == customer_id,
                                      Transaction.occurred_at < day_start(last + timedelta(days=1)))
    if first is not None:
        query = query.where(Transaction.occurred_at >= day_start(first))
    if account_ids is not None:
        query = query.where(Transaction.account_id.in_(account_ids))
    return [Txn(*row) for row in session.execute(query.order_by(Transaction.occurred_at, Transaction.id))]


def history(call: Call, start: date | None = None, end: date | None = None, *,
            account_ids: list[str] | None = None) -> list[Txn]:
    """The customer's transactions from start to end inclusive (oldest first), never beyond the lookback."""
    first, last, _ = window(call, start, end)
    return _rows(call.session, call.ctx.customer_id, first, last, account_ids)


def security_history(session: Session, customer_id: str, today: date) -> list[Txn]:
    """The bank's full record, for security checks (step-up) and scoring only: never returned to anyone."""
    return _rows(session, customer_id, None, today)


def names(call: Call, column: str) -> set[str]:
    """Distinct merchants or categories in the visible history (for fuzzy matching, without reading rows)."""
    first, _, _ = window(call, None, None)
    field = getattr(Transaction, column)
    query = select(field).where(Transaction.customer_id == call.ctx.customer_id).distinct()
    if first is not None:
        query = query.where(Transaction.occurred_at >= day_start(first))
    return set(call.session.scalars(query))


def accounts(call: Call, kinds: tuple[str, ...] | None = None) -> list[Account]:
    """The customer's open accounts, optionally only some kinds."""
    query = select(Account).where(Account.customer_id == call.ctx.customer_id, Account.status == "open")
    if kinds:
        query = query.where(Account.kind.in_(kinds))
    return list(call.session.scalars(query.order_by(Account.id)))


def pick_account(options: list[Account], wanted: str, also: dict[str, str] | None = None) -> Account:
    """The account a customer means by its name, last 4 digits, kind or id (fuzzy on the name, and on the `also`
    words of an account, such as its card's network; ambiguity is an error)."""
    by_last4 = {a.last4: a for a in options}
    if wanted in by_last4:
        return by_last4[wanted]
    of_kind = [a for a in options if wanted.strip().lower().removesuffix("s") in a.kind.replace("_", " ").split()]
    if len(of_kind) == 1:                                   # "the loan", "savings": the only one of its kind
        return of_kind[0]
    chosen = match_one(wanted, {a.id: f"{account_label(a)} {a.kind} {(also or {}).get(a.id, '')}".strip()
                                for a in options}, "account", scorer=by_words)
    return next(a for a in options if a.id == chosen)


def account_label(account: Account) -> str:
    return f"{account.name} ••{account.last4}"
