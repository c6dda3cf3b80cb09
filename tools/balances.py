"""get_balances: current, available and pending per account and per currency; reads accounts only, never history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from copilot.store.models import Account
from tools.data import DEBT_KINDS, accounts, pick_account
from tools.money import amount
from tools.recurring import add_months
from tools.spec import Call, ToolArgs, tool

AccountKind = Literal["checking", "business_checking", "savings", "wallet", "credit_card", "personal_loan", "term_loan"]


class BalancesArgs(ToolArgs):
    account: str | None = Field(None, description="Only this account: its name, last 4 digits or id. "
                                                  "Omit for every account.")
    kinds: list[AccountKind] | None = Field(None, description="Only these kinds of account, e.g. [\"savings\"].")


def _pending(account: Account) -> Decimal:
    """Pending card activity, read off the balances: holds on deposits, unposted charges on credit lines."""
    if account.kind in DEBT_KINDS:
        if account.credit_limit is None:
            return Decimal(0)
        return account.credit_limit - account.current_balance - account.available_balance
    return account.current_balance - account.available_balance


def next_due(day_of_month: int, today: date) -> date:
    """The next payment due date on or after today for a due day of the month (clamped to short months)."""
    this_month = add_months(today, 0, anchor=day_of_month)
    return this_month if this_month >= today else add_months(today, 1, anchor=day_of_month)


def _row(account: Account, today: date) -> dict:
    row = {"id": account.id, "name": account.name, "last4": account.last4, "kind": account.kind,
           "currency": account.currency, "current": amount(account.current_balance),
           "available": amount(account.available_balance), "pending": amount(_pending(account))}
    if account.kind in DEBT_KINDS:
        row["owed"] = row.pop("current")
        if account.credit_limit is not None:
            row["credit_limit"] = amount(account.credit_limit)
        if account.min_payment and account.payment_due_day and account.current_balance > 0:
            row["min_payment"] = amount(account.min_payment)
            row["payment_due"] = next_due(account.payment_due_day, today).isoformat()
    return row


@tool(scopes=("accounts:read",))
def get_balances(call: Call, args: BalancesArgs) -> dict:
    """Balances of the customer's accounts: for each account the current balance, the available balance and
    pending amounts (for cards and loans: amount owed, available credit, limit, minimum payment and its next
    due date), plus totals per currency. Use it for "how much money do I have", "what's my balance", "how much
    do I owe on my card", "when is my card payment due".
    Multi-currency wallets are reported in their own currency; nothing is converted."""
    chosen = accounts(call, tuple(args.kinds) if args.kinds else None)
    if args.account:
        chosen = [pick_account(chosen, args.account)]
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for account in chosen:
        bucket = totals[account.currency]
        if account.kind in DEBT_KINDS:
            bucket["owed"] += account.current_balance
        else:
            bucket["cash_current"] += account.current_balance
            bucket["cash_available"] += account.available_balance
    return {"accounts": [_row(a, call.today) for a in chosen],
            "totals": [{"currency": currency, **{key: amount(value) for key, value in sorted(bucket.items())}}
                       for currency, bucket in sorted(totals.items(), key=lambda item: item[0] != call.customer.home_currency)],
            "home_currency": call.customer.home_currency}
