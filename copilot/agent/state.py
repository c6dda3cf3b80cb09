"""Dialogue state carried between turns (persisted in conversations.state) and the customer profile the planner reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Account, Card, Customer, Transaction
from tools.data import DEBT_KINDS


class DialogueState(BaseModel):
    """What the planner remembers: the last request (for follow-ups and corrections) and conversation flags."""

    last_intent: str | None = None
    last_args: dict[str, dict] = Field(default_factory=dict)   # tool name -> args of its last call
    last_card_id: str | None = None
    last_transaction_id: str | None = None                      # the charge we last talked about ("dispute that")
    misunderstandings: int = 0                                 # consecutive clarify turns
    flags: list[str] = Field(default_factory=list)             # complaint | hardship | fraud
    turns: int = 0
    handed_off: bool = False
    awaiting: dict = Field(default_factory=dict)                # after a clarifying question: {"tool", "partial"}

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


@dataclass
class Profile:
    """The customer facts the planner needs for slot filling (names, not balances or history)."""

    customer_id: str
    name: str
    segment: str
    pay_cadence: str
    home_currency: str
    email: str
    phone: str
    cards: list[CardInfo] = field(default_factory=list)
    account_last4: list[str] = field(default_factory=list)
    account_names: list[str] = field(default_factory=list)
    debt_names: list[str] = field(default_factory=list)          # the cards and loans among account_names
    merchants: list[str] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def card(self, card_id: str | None) -> CardInfo | None:
        return next((c for c in self.cards if c.id == card_id), None)


def load_profile(session: Session, customer_id: str) -> Profile:
    customer = session.get(Customer, customer_id)
    cards = [CardInfo(c.id, c.name, c.last4, c.kind, c.network, c.status)
             for c in session.scalars(select(Card).where(Card.customer_id == customer_id).order_by(Card.id))]
    accounts = session.execute(select(Account.last4, Account.name, Account.kind)
                               .where(Account.customer_id == customer_id)).all()
    merchants = sorted(session.scalars(select(Transaction.merchant).distinct()
                                       .where(Transaction.customer_id == customer_id)))
    return Profile(customer_id=customer.id, name=customer.name, segment=customer.segment,
                   pay_cadence=customer.pay_cadence, home_currency=customer.home_currency, email=customer.email,
                   phone=customer.phone, cards=cards, account_last4=[a.last4 for a in accounts],
                   account_names=[a.name for a in accounts],
                   debt_names=[a.name for a in accounts if a.kind in DEBT_KINDS], merchants=merchants)
