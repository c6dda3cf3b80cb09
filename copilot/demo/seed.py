"""Deterministic demo bank: turns the persona specs into customers, accounts, cards and 13 months of rows.

Same as-of date and seed version, same rows (checked by a content hash stored in `meta`).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from cryptography.fernet import MultiFernet
from sqlalchemy import Integer, delete, func, select
from sqlalchemy.orm import Session

from copilot import consent
from copilot.demo.payments import payment_rows
from copilot.demo.personas import PERSONAS, AccountSpec, Anomaly, Flow, Persona, Trip
from copilot.store.models import (Account, AnomalyLabel, AuditEvent, Budget, Card, Consent, ConsentEvent,
                                  Conversation, Customer, Dispute, Handoff, Message, Meta, OfferImpression,
                                  Payee, PendingAction, RecurringSeries, SavingsGoal, ScheduledPayment, StepUpDevice,
                                  Transaction, TurnTrace)

SEED_VERSION = "5"
HISTORY_DAYS = 395
BALANCE_FLOOR = Decimal("150")   # deposit accounts never run below this in the generated history
CENT = Decimal("0.01")
DEMO_IDS = tuple(p.id for p in PERSONAS)
DEFAULT_SCOPES = ["accounts:read", "transactions:read", "credit:read", "insights:personalize"]
# Tables in delete order (children first); the hash covers the bank's data, not conversations.
CONVERSATIONAL = (TurnTrace, Message, Handoff, OfferImpression, PendingAction, Conversation, AuditEvent)
BANK = (Dispute, AnomalyLabel, Transaction, ScheduledPayment, Payee, StepUpDevice, RecurringSeries, Budget, SavingsGoal,
        ConsentEvent, Consent, Card, Account, Customer)
MCC_BY_CATEGORY = {"groceries": "5411", "dining": "5812", "travel": "4511", "lodging": "7011", "transport": "4121",
                   "coffee": "5814", "shopping": "5311", "entertainment": "7832"}
SEASON = {1: 0.78, 2: 0.85, 3: 0.95, 4: 1.0, 5: 1.02, 6: 1.1, 7: 1.15, 8: 1.1, 9: 0.98, 10: 1.0, 11: 1.25, 12: 1.45}
FOREIGN_MERCHANTS = {
    "dining": ("Le Petit Bistro", "Cafe Central", "Sushi Kanda", "The Ivy", "Tapas Bar 24"),
    "transport": ("Metro Ticket", "Bolt Ride", "Taxi Line"),
    "lodging": ("Hotel Lumiere", "Premier Inn", "Park Hotel"),
    "shopping": ("Galeries Lafayette", "Uniqlo", "Marks & Spencer", "Muji"),
}


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Draft:
    """A transaction before ids are assigned."""

    account: str
    when: datetime
    amount: Decimal
    merchant: str
    category: str
    channel: str
    card: str | None = None
    mcc: str | None = None
    country: str = "US"
    city: str | None = None
    original: tuple[Decimal, str] | None = None
    recurring: str | None = None
    label: tuple[str, str] | None = None


@dataclass
class Generator:
    persona: Persona
    as_of: date
    rng: random.Random = field(init=False)
    drafts: list[Draft] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.persona.id}:{SEED_VERSION}")
        self.start = self.as_of - timedelta(days=HISTORY_DAYS)
        self.accounts = {a.key: a for a in self.persona.accounts}

    # --- helpers -----------------------------------------------------------------------------------
    def day(self, days_ago: int) -> date:
        return self.as_of - timedelta(days=days_ago)

    def at(self, day: date, hour: int | None = None, minute: int | None = None) -> datetime:
        hour = self.rng.randint(7, 21) if hour is None else hour
        minute = self.rng.randint(0, 59) if minute is None else minute
        return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)

    def trip_on(self, day: date) -> Trip | None:
        for trip in self.persona.trips:
            if self.day(trip.from_days_ago) <= day <= self.day(trip.to_days_ago):
                return trip
        return None

    def days(self, flow: Flow):
        first = max(self.start, self.day(flow.from_days_ago))
        last = self.day(flow.to_days_ago)
        current = first
        while current <= last:
            yield current
            current += timedelta(days=1)

    def amount(self, flow: Flow, day: date) -> Decimal:
        low, high = flow.amount
        if flow.price_change and day >= self.day(flow.price_change[0]):
            return money(flow.price_change[1])
        value = low if low == high else self.rng.uniform(low, high)
        if flow.seasonal and low != high:
            value *= SEASON[day.month]
        return money(value)

    def due(self, flow: Flow, day: date) -> bool:
        if flow.cadence == "monthly":
            return day.day == min(flow.day, calendar.monthrange(day.year, day.month)[1])
        if flow.cadence == "weekly":
            return day.weekday() == flow.day
        if flow.cadence == "biweekly":
            return (day - self.day(flow.day)).days % 14 == 0
        rate = flow.per_week / 7 * (SEASON[day.month] if flow.seasonal else 1.0)
        return self.rng.random() < rate

    # --- generation --------------------------------------------------------------------------------
    def flows(self) -> None:
        for index, flow in enumerate(self.persona.flows):
            if flow.pay_share is not None:
                continue
            series = self.series_id(index, flow)
            for day in self.days(flow):
                if not self.due(flow, day):
                    continue
                trip = self.trip_on(day)
                if trip and flow.home_only and flow.cadence == "random":
                    continue
                amount = self.amount(flow, day)
                merchant = self.rng.choice(flow.merchants)
                sign = 1 if flow.income else -1
                hour = 9 if flow.channel in ("ach", "transfer") else None
                self.drafts.append(Draft(flow.account, self.at(day, hour, 0 if hour else None), sign * amount,
                                         merchant, flow.category, flow.channel, flow.card, flow.mcc,
                                         country="US", city=self.persona.home_city if flow.channel == "card_present"
                                         else None, recurring=series))
                if flow.counterpart:
                    owed = self.accounts[flow.counterpart].apr is not None
                    self.drafts.append(Draft(flow.counterpart, self.at(day, 9, 1), amount,
                                             f"Payment from {self.accounts[flow.account].name}",
                                             "debt_payments" if owed else "transfers", "transfer"))

    def series_id(self, index: int, flow: Flow) -> str | None:
        return f"{self.persona.id}-rs{index:02d}" if flow.cadence != "random" else None

    def trips(self) -> None:
        for trip in self.persona.trips:
            before = len(self.drafts)
            nights = trip.from_days_ago - trip.to_days_ago
            self.foreign(trip, self.day(trip.from_days_ago), "lodging", nights * self.rng.uniform(140, 260), hour=15)
            for offset in range(trip.from_days_ago, trip.to_days_ago - 1, -1):
                for category, per_day, (low, high) in (("dining", 2.2, (14, 95)), ("transport", 1.1, (4, 38)),
                                                      ("shopping", 0.5, (20, 180))):
                    for _ in range(int(per_day) + (self.rng.random() < per_day % 1)):
                        self.foreign(trip, self.day(offset), category, self.rng.uniform(low, high))
            if self.accounts[trip.account].kind == "wallet":
                spent = -sum(d.amount for d in self.drafts[before:])
                self.top_up(trip, self.day(trip.from_days_ago), spent)

    def top_up(self, trip: Trip, day: date, spent: Decimal) -> None:
        """Before the trip, move enough dollars from checking into the wallet pocket of the trip's currency."""
        step = Decimal(10000 if trip.currency == "JPY" else 100)
        local = (spent * Decimal("1.15") / step).to_integral_value(rounding="ROUND_CEILING") * step
        self.drafts.append(Draft("chk", self.at(day, 6, 4), -money(local * Decimal(str(trip.rate))),
                                 f"Wallet top-up {trip.currency}", "transfers", "transfer"))
        self.drafts.append(Draft(trip.account, self.at(day, 6, 5), money(local), "Top-up from Premier Checking",
                                 "transfers", "transfer"))

    def foreign(self, trip: Trip, day: date, category: str, usd: float, hour: int | None = None) -> None:
        account = self.accounts[trip.account]
        local = money(Decimal(str(usd)) / Decimal(str(trip.rate)))
        if trip.currency == "JPY":
            local = local.quantize(Decimal("1"))
        merchant = self.rng.choice(FOREIGN_MERCHANTS[category])
        when = self.at(day, hour)
        if account.currency == trip.currency:
            self.drafts.append(Draft(trip.account, when, -local, merchant, category, "card_present", trip.card,
                                     MCC_BY_CATEGORY[category], trip.country, trip.city))
        else:
            self.drafts.append(Draft(trip.account, when, -money(local * Decimal(str(trip.rate))), merchant, category,
                                     "card_present", trip.card, MCC_BY_CATEGORY[category], trip.country, trip.city,
                                     original=(-local, trip.currency)))

    def anomalies(self) -> None:
        for anomaly in self.persona.anomalies:
            getattr(self, f"inject_{anomaly.kind}")(anomaly)

    def inject_duplicate_charge(self, a: Anomaly) -> None:
        when = self.at(self.day(a.days_ago), 19, 12)
        base = Draft(a.account, when, -money(a.amount), a.merchant, a.category, "card_present", a.card, a.mcc,
                     city=self.persona.home_city)
        twin = Draft(a.account, when + timedelta(minutes=3), -money(a.amount), a.merchant, a.category, "card_present",
                     a.card, a.mcc, city=self.persona.home_city, label=(a.kind, a.note))
        self.drafts += [base, twin]

    def inject_card_testing(self, a: Anomaly) -> None:
        when = self.at(self.day(a.days_ago), 2, 7)
        for minutes, cents in ((0, "0.99"), (9, "1.49"), (23, "0.50"), (38, "1.99")):
            self.drafts.append(Draft(a.account, when + timedelta(minutes=minutes), -Decimal(cents), a.merchant,
                                     a.category, "online", a.card, a.mcc, a.country, label=(a.kind, a.note)))

    def inject_unusual_foreign(self, a: Anomaly) -> None:
        self.drafts.append(Draft(a.account, self.at(self.day(a.days_ago), 14, 41), -money(a.amount), a.merchant,
                                 a.category, "card_present" if a.city != "Hangzhou" else "online", a.card, a.mcc,
                                 a.country, a.city, label=(a.kind, a.note)))

    inject_large_new_merchant = inject_unusual_foreign

    def inject_price_rise(self, a: Anomaly) -> None:
        first = min((d for d in self.drafts if d.merchant == a.merchant and d.when.date() >= self.day(a.days_ago)),
                    key=lambda d: d.when)
        first.label = (a.kind, a.note)

    def settle_credit(self) -> None:
        """Walk each card and loan day by day: monthly interest (APR/12 on the balance, to the cent) on the
        statement day, and share-of-balance payments (pay_share flows) from the paying account."""
        for spec in self.persona.accounts:
            if spec.apr is None:
                continue
            payers = [(i, f) for i, f in enumerate(self.persona.flows) if f.counterpart == spec.key and f.pay_share]
            owed = self.opening(spec)
            movements = sorted((d for d in self.drafts if d.account == spec.key), key=lambda d: d.when)
            index, current = 0, self.start
            while current <= self.as_of:
                while index < len(movements) and movements[index].when.date() <= current:
                    owed -= movements[index].amount
                    index += 1
                if current.day == spec.statement_day and current > self.start and owed > 0:
                    charge = money(owed * spec.apr / Decimal(1200))
                    owed += charge
                    self.drafts.append(Draft(spec.key, self.at(current, 23, 59), -charge, "Interest charge",
                                             "interest", "interest"))
                for flow_index, flow in payers:
                    if self.due(flow, current) and owed > 0:
                        payment = money(owed * Decimal(str(flow.pay_share)))
                        owed -= payment
                        self.drafts.append(Draft(flow.account, self.at(current, 9, 0), -payment, flow.merchants[0],
                                                 flow.category, flow.channel, recurring=self.series_id(flow_index, flow)))
                        self.drafts.append(Draft(spec.key, self.at(current, 9, 1), payment,
                                                 f"Payment from {self.accounts[flow.account].name}", "debt_payments",
                                                 "transfer"))
                current += timedelta(days=1)

    def opening(self, spec: AccountSpec) -> Decimal:
        """Balance (owed, for credit) at the start of history; loans follow their amortization."""
        if spec.original_principal is None:
            return spec.opening
        months_paid = max(0, (spec.opened_days_ago - HISTORY_DAYS) // 30)
        rate = spec.apr / Decimal(1200)
        payment = next(f.amount[0] for f in self.persona.flows if f.counterpart == spec.key)
        owed = spec.original_principal
        for _ in range(months_paid):
            owed = owed + money(owed * rate) - money(payment)
        return owed

    def generate(self) -> list[Draft]:
        self.flows()
        self.trips()
        self.anomalies()
        self.settle_credit()
        return sorted(self.drafts, key=lambda d: (d.when, d.account, d.merchant, d.amount))


def _deposit_opening(spec: AccountSpec, movements: list[Draft]) -> Decimal:
    """Opening balance that lands near the target at the end without ever dipping below the floor on the way."""
    if spec.target is None:
        return spec.opening
    opening = spec.target - sum((d.amount for d in movements), Decimal(0))
    running = lowest = opening
    for draft in sorted(movements, key=lambda d: d.when):
        running += draft.amount
        lowest = min(lowest, running)
    return opening + max(Decimal(0), BALANCE_FLOOR - lowest)


def _customer_rows(persona: Persona, as_of: date, drafts: list[Draft], cipher: MultiFernet) -> list:
    pid = persona.id
    created = datetime.combine(as_of - timedelta(days=HISTORY_DAYS + 30), time(12), tzinfo=timezone.utc)
    rows: list = [Customer(id=pid, name=persona.name, email=persona.email, phone=persona.phone,
                           segment=persona.segment, persona=persona.story, home_country="US", home_currency="USD",
                           jurisdiction="US", pay_cadence=persona.pay_cadence, created_at=created)]
    pending_cutoff = datetime.combine(as_of - timedelta(days=1), time(0), tzinfo=timezone.utc)
    digits = random.Random(f"{pid}:numbers")
    generator = Generator(persona, as_of)
    for spec in persona.accounts:
        mine = [d for d in drafts if d.account == spec.key]
        posted = sum((d.amount for d in mine if d.when < pending_cutoff), Decimal(0))
        pending = sum((d.amount for d in mine if d.when >= pending_cutoff), Decimal(0))
        if spec.apr is not None:
            current = generator.opening(spec) - posted
            available = (spec.credit_limit - current + pending) if spec.credit_limit else Decimal(0)
        else:
            opening = _deposit_opening(spec, mine)
            current = opening + posted
            available = current + min(pending, Decimal(0))
        number = "".join(str(digits.randint(0, 9)) for _ in range(12))
        min_payment = None
        if spec.kind == "credit_card":
            min_payment = max(Decimal(35), money(current * Decimal("0.01") + current * spec.apr / Decimal(1200)))
            min_payment = min(min_payment, current)
        elif spec.original_principal is not None:
            min_payment = money(next(f.amount[0] for f in persona.flows if f.counterpart == spec.key))
        rows.append(Account(id=f"{pid}-{spec.key}", customer_id=pid, kind=spec.kind, name=spec.name, number=number,
                            last4=number[-4:], currency=spec.currency, current_balance=money(current),
                            available_balance=money(available), credit_limit=spec.credit_limit, apr=spec.apr,
                            interest_rate=spec.interest_rate, min_payment=min_payment,
                            payment_due_day=spec.payment_due_day, original_principal=spec.original_principal,
                            term_months=spec.term_months, opened_on=as_of - timedelta(days=spec.opened_days_ago),
                            status="open"))
    for spec in persona.cards:
        last4 = "".join(str(digits.randint(0, 9)) for _ in range(4))
        rows.append(Card(id=f"{pid}-card-{spec.key}", customer_id=pid, account_id=f"{pid}-{spec.account}",
                         kind=spec.kind, network=spec.network, name=spec.name, last4=last4, status="active"))
    for index, flow in enumerate(persona.flows):
        if flow.cadence == "random":
            continue
        last = flow.price_change[1] if flow.price_change else flow.amount[1]
        rows.append(RecurringSeries(id=f"{pid}-rs{index:02d}", customer_id=pid, account_id=f"{pid}-{flow.account}",
                                    merchant=flow.merchants[0], category=flow.category, kind=flow.kind,
                                    cadence=flow.cadence, amount=money(last if flow.income else -last),
                                    start_on=max(as_of - timedelta(days=flow.from_days_ago),
                                                 as_of - timedelta(days=HISTORY_DAYS))))
    for number, draft in enumerate(drafts):
        txn_id = f"{pid}-t{number:05d}"
        account = next(a for a in persona.accounts if a.key == draft.account)
        rows.append(Transaction(
            id=txn_id, customer_id=pid, account_id=f"{pid}-{draft.account}",
            card_id=f"{pid}-card-{draft.card}" if draft.card else None, occurred_at=draft.when, amount=draft.amount,
            currency=account.currency, original_amount=draft.original[0] if draft.original else None,
            original_currency=draft.original[1] if draft.original else None, merchant=draft.merchant,
            description=f"{draft.merchant.upper()} {draft.city or ''}".strip()[:250], category=draft.category,
            mcc=draft.mcc, channel=draft.channel, country=draft.country, city=draft.city,
            status="pending" if draft.when >= pending_cutoff else "posted", recurring_id=draft.recurring))
        if draft.label:
            rows.append(AnomalyLabel(customer_id=pid, transaction_id=txn_id, kind=draft.label[0], note=draft.label[1]))
    for category, limit in persona.budgets.items():
        rows.append(Budget(customer_id=pid, category=category, monthly_limit=limit, currency="USD",
                           created_at=created, updated_at=created))
    return rows + payment_rows(persona, as_of, cipher)


def wipe(session: Session) -> None:
    """Remove every demo customer's rows, children first."""
    for model in CONVERSATIONAL + BANK:
        session.execute(delete(model).where(_of_demo(model)))
    session.execute(delete(Meta).where(Meta.key.like("demo_%")))


def _of_demo(model):
    """WHERE clause selecting a table's rows that belong to demo customers."""
    if model is Customer:
        return Customer.id.in_(DEMO_IDS)
    if hasattr(model, "customer_id"):
        return model.customer_id.in_(DEMO_IDS)
    return model.conversation_id.in_(select(Conversation.id).where(Conversation.customer_id.in_(DEMO_IDS)))


def content_hash(session: Session) -> str:
    """SHA-256 over the demo bank's rows in a stable order: same seed, same data, on any database."""
    digest = hashlib.sha256()
    for model in reversed(BANK):
        columns = [c for c in model.__table__.columns if not (c.name == "id" and isinstance(c.type, Integer))
                   and not c.name.endswith("_ciphertext")]          # encryption is randomised; the rest is not
        rows = session.execute(select(*(getattr(model, c.name) for c in columns)).where(_of_demo(model)))
        for line in sorted(json.dumps([_canonical(v) for v in row], default=str) for row in rows):
            digest.update(line.encode())
    return digest.hexdigest()


def _canonical(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.0001")))
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value


def seed(session: Session, as_of: date, cipher: MultiFernet, *, reset: bool = False) -> dict:
    """Create the demo bank; a no-op when the same version and as-of date are already there."""
    marker = f"{SEED_VERSION}:{as_of.isoformat()}"
    current = session.get(Meta, "demo_seed")
    if current is not None and current.value == marker and not reset:
        return {"created": False, "as_of": as_of.isoformat(), "hash": session.get(Meta, "demo_hash").value,
                "counts": counts(session)}
    wipe(session)
    session.flush()
    granted_at = datetime.combine(as_of - timedelta(days=30), time(9), tzinfo=timezone.utc)
    for persona in PERSONAS:
        rows = _customer_rows(persona, as_of, Generator(persona, as_of).generate(), cipher)
        for model in reversed(BANK):   # parents first
            session.add_all([row for row in rows if type(row) is model])
            session.flush()
        consent.grant(session, persona.id, DEFAULT_SCOPES, now=granted_at, channel="onboarding",
                      purpose="Let the copilot read your accounts, transactions and credit to answer your questions",
                      consent_id=f"{persona.id}-cns-onboarding", days=365)
    session.flush()
    fingerprint = content_hash(session)
    session.merge(Meta(key="demo_seed", value=marker))
    session.merge(Meta(key="demo_hash", value=fingerprint))
    return {"created": True, "as_of": as_of.isoformat(), "hash": fingerprint, "counts": counts(session)}


def counts(session: Session) -> dict[str, int]:
    result = {}
    for model in reversed(BANK):
        result[model.__tablename__] = session.scalar(select(func.count()).select_from(model).where(_of_demo(model)))
    return result


def demo_as_of(session: Session) -> date | None:
    row = session.get(Meta, "demo_seed")
    return date.fromisoformat(row.value.split(":", 1)[1]) if row else None
