"""list_payees and add_payee: the people and businesses a customer pays; adding one always needs a one-time code.

Account numbers never rest in plain text: a payee keeps the Fernet ciphertext and the last 4 digits, and a pending
add_payee keeps the conversation's vault placeholder ("[BANK_ACCOUNT_1]") or a ciphertext, never the digits.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from copilot.store.models import Payee
from copilot.store.vault import cipher_for
from tools.matching import match_one
from tools.spec import Call, InvalidArgs, NotFound, Proposal, ToolArgs, tool

SEALED = "sealed:"                          # an account number encrypted in the pending action's arguments
VAULT_PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")   # "[ACCOUNT_1]": the vault keeps the value (its module is heavy to import)
FILLER = re.compile(r"\b(my|the|our|me|to|a|an)\b|'s\b", re.I)


class ListPayeesArgs(ToolArgs):
    kind: Literal["person", "business"] | None = Field(None, description="Only people, or only businesses (billers).")


class AddPayeeArgs(ToolArgs):
    name: str = Field(min_length=2, max_length=120, description="The payee's name as on their bank account.")
    account_number: str = Field(description="Their account number (digits), or the placeholder the customer's "
                                            "message was given, e.g. [BANK_ACCOUNT_1].")
    routing_number: str | None = Field(None, description="Their bank's 9-digit routing number (or its placeholder).")
    nickname: str | None = Field(None, max_length=60, description="What the customer calls them (\"Mom\").")
    kind: Literal["person", "business"] = "person"


def payee_dict(payee: Payee) -> dict:
    return {"id": payee.id, "name": payee.name, "nickname": payee.nickname or None, "kind": payee.kind,
            "category": payee.category or None, "account_last4": payee.last4, "bank": payee.bank or None,
            "added_on": payee.added_at.date().isoformat()}


def active_payees(call: Call) -> list[Payee]:
    return list(call.session.scalars(select(Payee).where(Payee.customer_id == call.ctx.customer_id,
                                                         Payee.status == "active").order_by(Payee.name)))


def find_payee(call: Call, wanted: str) -> Payee:
    """The saved payee a customer means: by id, nickname, category ("rent") or name, fuzzily; else NotFound
    naming the saved ones."""
    payees = active_payees(call)
    plain = " ".join(FILLER.sub(" ", wanted).split()).lower()
    exact = [p for p in payees if plain and plain in {p.id, p.name.lower(), p.nickname.lower(), p.category.lower()}]
    if len(exact) == 1:
        return exact[0]
    if not payees:
        raise NotFound("there are no saved payees yet; add one first (name and account number)")
    try:
        chosen = match_one(plain or wanted, {p.id: " ".join(filter(None, (p.name, p.nickname, p.category)))
                                             for p in payees}, "payee")
    except InvalidArgs:
        raise NotFound(f"no saved payee matches {wanted!r}; saved payees: "
                       + ", ".join(p.nickname or p.name for p in payees)) from None
    return next(p for p in payees if p.id == chosen)


def _revealed(call: Call, value: str) -> str:
    """The value behind a vault placeholder of this conversation ("[NAME_1]"), or the value itself."""
    if not VAULT_PLACEHOLDER.fullmatch(value):
        return value
    if not call.ctx.conversation_id:
        raise InvalidArgs(f"{value} is a placeholder of a conversation, and there is none here")
    from copilot.compliance.vault import open_vault

    return open_vault(call.ctx.db, call.ctx.settings, call.ctx.conversation_id).restore(value, reveal=True)


def _digits(call: Call, value: str) -> str:
    """The digits behind an argument: a vault placeholder of this conversation, a sealed value, or digits."""
    if value.startswith(SEALED):
        return cipher_for(call.ctx.settings).decrypt(value.removeprefix(SEALED).encode()).decode()
    return re.sub(r"[\s-]", "", _revealed(call, value))


def _aba_valid(number: str) -> bool:
    """The ABA routing number checksum (weights 3, 7, 1)."""
    return len(number) == 9 and number.isdigit() and \
        sum(int(d) * w for d, w in zip(number, (3, 7, 1) * 3)) % 10 == 0


def _checked(call: Call, args: AddPayeeArgs) -> tuple[str, str | None]:
    account = _digits(call, args.account_number)
    if not re.fullmatch(r"\d{6,17}", account):
        raise InvalidArgs("an account number is 6 to 17 digits")
    routing = _digits(call, args.routing_number) if args.routing_number else None
    if routing is not None and not _aba_valid(routing):
        raise InvalidArgs("that routing number is not valid (9 digits with a checksum); please check it")
    return account, routing


def _seal(call: Call, value: str | None) -> str | None:
    if value is None or VAULT_PLACEHOLDER.fullmatch(value) or value.startswith(SEALED):
        return value
    return SEALED + cipher_for(call.ctx.settings).encrypt(value.encode()).decode()


def _plan_add(call: Call, args: AddPayeeArgs) -> Proposal:
    account, _ = _checked(call, args)
    name = _revealed(call, args.name)
    same = [p for p in active_payees(call) if p.name.lower() == name.lower() and p.last4 == account[-4:]]
    if same:
        raise InvalidArgs(f"{args.name} (account ending {account[-4:]}) is already a saved payee")
    return Proposal(summary=f"Add {name} as a payee (account ending {account[-4:]}). New payees always need a "
                            "one-time code from your phone, so we'll ask for one after you confirm.",
                    args={**args.model_dump(exclude_none=True), "account_number": _seal(call, args.account_number),
                          **({"routing_number": _seal(call, args.routing_number)} if args.routing_number else {})},
                    requires_step_up=True)


@tool(scopes=("accounts:read",))
def list_payees(call: Call, args: ListPayeesArgs) -> dict:
    """The customer's saved payees (people and businesses they pay), with the last 4 digits of each account.
    Use it for "who are my payees", "is my landlord saved"."""
    payees = [payee_dict(p) for p in active_payees(call) if args.kind in (None, p.kind)]
    return {"payees": payees, "count": len(payees)}


@tool(scopes=("payments:write",), writes=True, prepare=_plan_add)
def add_payee(call: Call, args: AddPayeeArgs) -> dict:
    """Save a new payee (name, account number, optional routing number). This is a write: the first call prepares
    it for the customer to confirm, and it always needs a one-time code from the customer's phone."""
    account, routing = _checked(call, args)
    payee = Payee(id=f"{call.ctx.customer_id}-py{uuid.uuid4().hex[:8]}", customer_id=call.ctx.customer_id,
                  name=_revealed(call, args.name), nickname=args.nickname or "", kind=args.kind, category="",
                  bank=f"routing {routing}" if routing else "", last4=account[-4:],
                  account_ciphertext=cipher_for(call.ctx.settings).encrypt(account.encode()).decode(),
                  added_at=call.ctx.now, status="active")
    call.session.add(payee)
    return {"payee": payee_dict(payee), "added": True, "new_for_days": call.ctx.settings.step_up_new_payee_days}
