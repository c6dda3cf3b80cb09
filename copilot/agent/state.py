"""Dialogue state carried between turns (persisted in conversations.state) and the customer profile the planner reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Account, Card, Customer, Payee, Transaction


class Awaiting(BaseModel):
    """The question the copilot asked: the next message is first read as its answer."""

    capability: str
    slot: str
    slots: dict = Field(default_factory=dict)          # what was already known (slot -> value)
    options: list[dict] = Field(default_factory=list)  # the choices offered (cards, charges), in the order shown


class LastRequest(BaseModel):
    """The last request the copilot carried out: a follow-up changes some slots and keeps the rest."""

    capability: str
    slots: dict = Field(default_factory=dict)
    topics: list[str] = Field(default_factory=list)
    route: str = "answer"                              # consent_required: the next "ok, try again" retries it


class DialogueState(BaseModel):
    last: LastRequest | None = None
    proposal: LastRequest | None = None                     # the request whose write waits for a yes
    awaiting: Awaiting | None = None
    focus: dict[str, str] = Field(default_factory=dict)     # card / transaction last talked about
    misunderstandings: int = 0                              # consecutive turns the copilot had to ask
    flags: list[str] = Field(default_factory=list)          # complaint | hardship | fraud
    offer: str | None = None                                # a capability offered again ("say so if you'd like...")
    turns: int = 0

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


@dataclass(frozen=True)
class CardInfo:
    id: str
    name: str
    last4: str
    kind: str
    network: str
    status: str

    @property
    def label(self) -> str:
        return f"{self.name} ending {self.last4}"


@dataclass(frozen=True)
class AccountInfo:
    id: str
    name: str
    kind: str
    currency: str
    last4: str


@dataclass(frozen=True)
class PayeeInfo:
    name: str
    nickname: str
    category: str
    kind: str


@dataclass
class Profile:
    """The customer facts the planner needs to resolve what a message names (names, not balances or history)."""

    customer_id: str
    name: str
    segment: str
    pay_cadence: str
    home_currency: str
    email: str
    phone: str
    cards: list[CardInfo] = field(default_factory=list)
    accounts: list[AccountInfo] = field(default_factory=list)
    merchants: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    flows: dict[str, str] = field(default_factory=dict)    # merchant -> "in" | "out": the only way money went
    payees: list[PayeeInfo] = field(default_factory=list)

    def flow(self, merchant: str | list[str] | None) -> str | None:
        """"in" when the merchants only ever paid the customer (payouts), "out" when only ever paid; else None."""
        ways = {self.flows.get(m) for m in ([merchant] if isinstance(merchant, str) else merchant or [])}
        return ways.pop() if len(ways) == 1 else None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def account_last4(self) -> list[str]:
        return [a.last4 for a in self.accounts]

    def card(self, card_id: str | None) -> CardInfo | None:
        return next((c for c in self.cards if c.id == card_id), None)


def load_profile(session: Session, customer_id: str) -> Profile:
    customer = session.get(Customer, customer_id)
    cards = [CardInfo(c.id, c.name, c.last4, c.kind, c.network, c.status)
             for c in session.scalars(select(Card).where(Card.customer_id == customer_id).order_by(Card.id))]
    accounts = [AccountInfo(a.id, a.name, a.kind, a.currency, a.last4)
                for a in session.scalars(select(Account).where(Account.customer_id == customer_id).order_by(Account.id))]
    rows = session.execute(select(Transaction.merchant, Transaction.category, Transaction.amount > 0).distinct()
                           .where(Transaction.customer_id == customer_id)).all()
    payees = [PayeeInfo(p.name, p.nickname, p.category, p.kind) for p in session.scalars(
        select(Payee).where(Payee.customer_id == customer_id, Payee.status == "active").order_by(Payee.name))]
    ways: dict[str, set[str]] = {}
    for merchant, _, incoming in rows:
        ways.setdefault(merchant, set()).add("in" if incoming else "out")
    return Profile(customer_id=customer.id, name=customer.name, segment=customer.segment,
                   pay_cadence=customer.pay_cadence, home_currency=customer.home_currency, email=customer.email,
                   phone=customer.phone, cards=cards, accounts=accounts,
                   merchants=sorted({m for m, _, _ in rows if m}), categories=sorted({c for _, c, _ in rows if c}),
                   flows={m: way.pop() for m, way in ways.items() if m and len(way) == 1}, payees=payees)
