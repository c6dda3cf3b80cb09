"""get_balances: current, available and pending per account and per currency; reads accounts only, never history."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Literal

from pydantic import Field

from copilot.store.models import Account
from tools.data import DEBT_KINDS, account_label, accounts
from tools.matching import match_one
from tools.money import amount
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


def _row(account: Account) -> dict:
    row = {"id": account.id, "name": account.name, "last4": account.last4, "kind": account.kind,
           "currency": account.currency, "current": amount(account.current_balance),
           "available": amount(account.available_balance), "pending": amount(_pending(account))}
    if account.kind in DEBT_KINDS:
        row["owed"] = row.pop("current")
        if account.credit_limit is not None:
            row["credit_limit"] = amount(account.credit_limit)
    return row


@tool(scopes=("accounts:read",))
def get_balances(call: Call, args: BalancesArgs) -> dict:
    """Balances of the customer's accounts: for each account the current balance, the available balance and
    pending amounts (for cards and loans: amount owed, available credit, limit), plus totals per currency.
    Use it for "how much money do I have", "what's my balance", "how much do I owe on my card".
    Multi-currency wallets are reported in their own currency; nothing is converted."""
    chosen = accounts(call, tuple(args.kinds) if args.kinds else None)
    if args.account:
        options = {a.id: f"{account_label(a)} {a.kind}" for a in chosen}
        by_last4 = {a.last4: a.id for a in chosen}
        wanted = by_last4.get(args.account) or match_one(args.account, options, "account")
        chosen = [a for a in chosen if a.id == wanted]
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for account in chosen:
        bucket = totals[account.currency]
        if account.kind in DEBT_KINDS:
            bucket["owed"] += account.current_balance
        else:
            bucket["cash_current"] += account.current_balance
            bucket["cash_available"] += account.available_balance
    return {"accounts": [_row(a) for a in chosen],
            "totals": [{"currency": currency, **{key: amount(value) for key, value in sorted(bucket.items())}}
                       for currency, bucket in sorted(totals.items(), key=lambda item: item[0] != call.customer.home_currency)],
            "home_currency": call.customer.home_currency}
