"""SQLAlchemy 2 models: the bank's data, consent ledger, audit trail, conversations and pending actions.

Schema changes go through Alembic migrations (copilot/store/migrations); never create tables ad hoc.
Money is Numeric(14, 2); debits are negative amounts. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 2)
Rate = Numeric(7, 4)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend (SQLite keeps no offset, so it is stored naive UTC)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    segment: Mapped[str] = mapped_column(String(20))            # retail | sme
    persona: Mapped[str] = mapped_column(Text, default="")      # one-line story, for demos and agents
    home_country: Mapped[str] = mapped_column(String(2))
    home_currency: Mapped[str] = mapped_column(String(3))
    jurisdiction: Mapped[str] = mapped_column(String(8), default="US")
    pay_cadence: Mapped[str] = mapped_column(String(20))        # biweekly | monthly | irregular | business
    created_at: Mapped[datetime]
    accounts: Mapped[list[Account]] = relationship(back_populates="customer", order_by="Account.id")
    cards: Mapped[list[Card]] = relationship(back_populates="customer", order_by="Card.id")


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))   # checking | savings | credit_card | personal_loan | term_loan | wallet | business_checking
    name: Mapped[str] = mapped_column(String(80))
    number: Mapped[str] = mapped_column(String(40))            # full number: never shown, tools return last4
    last4: Mapped[str] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3))
    current_balance: Mapped[Decimal] = mapped_column(Money)    # credit/loans: amount owed as a positive number
    available_balance: Mapped[Decimal] = mapped_column(Money)
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    apr: Mapped[Decimal | None] = mapped_column(Rate)          # percent, e.g. 24.99
    interest_rate: Mapped[Decimal | None] = mapped_column(Rate)  # savings APY, percent
    min_payment: Mapped[Decimal | None] = mapped_column(Money)
    payment_due_day: Mapped[int | None] = mapped_column(Integer)
    original_principal: Mapped[Decimal | None] = mapped_column(Money)
    term_months: Mapped[int | None] = mapped_column(Integer)
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    customer: Mapped[Customer] = relationship(back_populates="accounts")


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))       # debit | credit | virtual
    network: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    last4: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | frozen | closed
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))
    customer: Mapped[Customer] = relationship(back_populates="cards")


class Transaction(Base):
    __tablename__ = "transactions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    card_id: Mapped[str | None] = mapped_column(ForeignKey("cards.id"))
    occurred_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Money)          # in the account currency; negative = money out
    currency: Mapped[str] = mapped_column(String(3))
    original_amount: Mapped[Decimal | None] = mapped_column(Money)   # for foreign spend, in original_currency
    original_currency: Mapped[str | None] = mapped_column(String(3))
    merchant: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(250))
    category: Mapped[str] = mapped_column(String(40))
    mcc: Mapped[str | None] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(20))        # card_present | online | ach | transfer | atm | wallet | fee | interest
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10))         # pending | posted
    recurring_id: Mapped[str | None] = mapped_column(ForeignKey("recurring_series.id"))
    __table_args__ = (Index("ix_txn_customer_time", "customer_id", "occurred_at"),
                      Index("ix_txn_account_time", "account_id", "occurred_at"))


class AnomalyLabel(Base):
    """Ground truth for the injected anomalies; tools never read it (only scoring does)."""
    __tablename__ = "anomaly_labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id"))
    kind: Mapped[str] = mapped_column(String(40))   # duplicate_charge | card_testing | unusual_foreign | price_rise | large_new_merchant
    note: Mapped[str] = mapped_column(String(250), default="")


class RecurringSeries(Base):
    """Recurring payments and income as seeded (ground truth); the bills tool detects them from history."""
    __tablename__ = "recurring_series"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    merchant: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))       # bill | subscription | income | loan_payment | transfer
    cadence: Mapped[str] = mapped_column(String(16))    # weekly | biweekly | monthly | quarterly | annual | irregular
    amount: Mapped[Decimal] = mapped_column(Money)      # latest amount, signed
    start_on: Mapped[date] = mapped_column(Date)


class Budget(Base):
    __tablename__ = "budgets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    monthly_limit: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("customer_id", "category", name="uq_budget_customer_category"),)


class SavingsGoal(Base):
    __tablename__ = "savings_goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    target_amount: Mapped[Decimal] = mapped_column(Money)
    saved_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    target_date: Mapped[date | None] = mapped_column(Date)
    contribution: Mapped[Decimal | None] = mapped_column(Money)
    contribution_cadence: Mapped[str | None] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]


class Consent(Base):
    """Current state of one grant; every change is also appended to consent_events (the history)."""
    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    scopes: Mapped[list[Any]]
    purpose: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20))
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    lookback_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="active")    # active | expired | revoked
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    revocation_reason: Mapped[str | None] = mapped_column(String(300))


class ConsentEvent(Base):
    """Append-only consent history: grant, revoke, expire."""
    __tablename__ = "consent_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    event: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditEvent(Base):
    """Append-only audit trail: tool calls, consent decisions, filter decisions, agent views."""
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))          # customer | support_agent | admin | system
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))          # tool_call | consent | filter | guard | view | action
    name: Mapped[str] = mapped_column(String(60))          # tool or rule or view name
    decision: Mapped[str] = mapped_column(String(30))      # allowed | denied | executed | block | rewrite | ...
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    args_digest: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[float | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))       # web | terminal | api | eval
    status: Mapped[str] = mapped_column(String(16), default="open")   # open | handoff | closed
    title: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)       # dialogue state the planner carries
    device_id: Mapped[str | None] = mapped_column(String(64))         # the client device (web, app); None: terminal, eval
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))          # user | assistant | agent | system
    author: Mapped[str] = mapped_column(String(80), default="")
    content: Mapped[str] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(String(20))
    client_message_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("conversation_id", "client_message_id", name="uq_message_client_id"),)


class TurnTrace(Base):
    __tablename__ = "turn_traces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    user_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    assistant_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    route: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(60))
    latency_ms: Mapped[float]
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    trace: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class PendingAction(Base):
    """A write the customer must confirm in a later turn; the idempotency key makes a retry a no-op."""
    __tablename__ = "pending_actions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    tool: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]]
    summary: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | executed | cancelled | expired | failed
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    requires_step_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class Payee(Base):
    """Someone the customer pays: a person or a business, with the account number only Fernet-encrypted."""
    __tablename__ = "payees"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    nickname: Mapped[str] = mapped_column(String(60), default="")      # "Mom", "landlord"
    kind: Mapped[str] = mapped_column(String(12))                      # person | business
    category: Mapped[str] = mapped_column(String(40), default="")     # billers: the spending category they bill
    bank: Mapped[str] = mapped_column(String(80), default="")
    last4: Mapped[str] = mapped_column(String(4))
    account_ciphertext: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | removed


class ScheduledPayment(Base):
    """Money set to move later: a standing order or one-off the customer set up, or a direct debit a biller collects."""
    __tablename__ = "scheduled_payments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))             # standing_order | one_off | direct_debit
    from_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    to_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    payee_id: Mapped[str | None] = mapped_column(ForeignKey("payees.id"))
    merchant: Mapped[str] = mapped_column(String(120))        # who receives (or, for a direct debit, collects) it
    amount: Mapped[Decimal | None] = mapped_column(Money)     # None: a direct debit of a varying amount
    currency: Mapped[str] = mapped_column(String(3))
    cadence: Mapped[str] = mapped_column(String(16))          # once | weekly | biweekly | monthly
    next_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")   # active | cancelled | completed (a one-off paid)
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class StepUpDevice(Base):
    """The customer's phone for one-time codes (TOTP, RFC 6238): the secret only encrypted; wrong codes lock it."""
    __tablename__ = "step_up_devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(Integer)          # a code is accepted once (no replay)
    created_at: Mapped[datetime]


class ClientDevice(Base):
    """A browser or app a customer has used: only a hash of the id it sends; a recent first visit is a risk signal."""
    __tablename__ = "client_devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)           # sha256(customer id, the client's id)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class Dispute(Base):
    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="open")    # open | provisional_credit | resolved | rejected
    created_at: Mapped[datetime]


class Handoff(Base):
    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    priority: Mapped[str] = mapped_column(String(10), default="normal")   # normal | high
    status: Mapped[str] = mapped_column(String(12), default="queued")     # queued | assigned | closed
    agent_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class VaultEntry(Base):
    """A customer's typed PII behind a placeholder ("[CARD_1]" of one conversation): the value only Fernet-encrypted,
    emptied (ciphertext NULL, the placeholder kept so numbering never reuses it) once the retention period ends."""
    __tablename__ = "pii_vault"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    token: Mapped[str] = mapped_column(String(24))
    entity_type: Mapped[str] = mapped_column(String(40))
    ciphertext: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    purged_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("conversation_id", "token", name="uq_vault_conversation_token"),)


class OfferImpression(Base):
    """Marketing offers shown, for the frequency cap."""
    __tablename__ = "offer_impressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    offer_id: Mapped[str] = mapped_column(String(60))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    shown_at: Mapped[datetime]


class ApiToken(Base):
    """Bearer tokens; only the SHA-256 of the secret is stored."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))          # customer | support_agent | admin
    subject: Mapped[str] = mapped_column(String(80))       # customer id or agent id
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Meta(Base):
    """Small key/value facts about this database (demo seed version and as-of date, content hash)."""
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
