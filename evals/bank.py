"""The demo bank each case runs on: seeded once into a template file, copied per case run, then set up.

Set-up = the case's consents (all | none | seeded | [scopes]), planted transactions and planted knowledge
passages (returned first by every search in that case); before each turn, that turn's consent changes (grant /
revoke / expire). The bank also tracks which scopes the *set-up* granted, the yardstick for consent violations,
and knows each customer's identifiers (for leak and grounding checks).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from sqlalchemy import delete, select

from copilot import consent
from copilot.config import Settings, load_settings
from copilot.context import KnowledgeHit, KnowledgeResult, Retriever
from copilot.demo.seed import DEFAULT_SCOPES
from copilot.runtime import Runtime
from copilot.store import Database
from copilot.store.models import Account, Card, Consent, ConsentEvent, Customer, Transaction
from evals.schema import Case, PlantedPassage, PlantedTransaction, Turn

EVAL_AS_OF = date(2026, 11, 27)                  # the demo bank's last day in every evaluation
EVAL_CLOCK = "2026-11-28T10:00:00+00:00"         # the bank's frozen clock: same answers on every run


def eval_settings(provider: str | None = None, **overrides) -> Settings:
    """Settings for an evaluation: the frozen clock and as-of date; the provider from the flag or environment."""
    values = {"clock": EVAL_CLOCK, "demo_as_of": EVAL_AS_OF, **overrides}
    if provider:
        values["provider"] = provider
    return load_settings(**values)


@dataclass(frozen=True)
class Identity:
    """What belongs to one customer: identifiers an answer may show, and full numbers it must never show."""

    shown: tuple[str, ...]            # email, phone, account and card last fours
    secret: tuple[str, ...]           # full account numbers


class PlantedRetriever:
    """The real retriever, except that every search returns the case's planted passages first (e.g. a poisoned page)."""

    def __init__(self, base: Retriever, passages: list[PlantedPassage]) -> None:
        self.base, self.passages = base, passages

    def search(self, query: str, *, audience: str = "customer", k: int = 5, jurisdiction: str | None = None,
               on: date | None = None) -> KnowledgeResult:
        found = self.base.search(query, audience=audience, k=k, jurisdiction=jurisdiction, on=on)
        planted = [KnowledgeHit(doc_id=p.doc_id, section=p.section, citation=f"{p.doc_id}#{p.section}", title=p.title,
                                text=p.text, score=1.0, doc_type="policy", version="planted",
                                effective_date=on or EVAL_AS_OF, audience=audience) for p in self.passages]
        return KnowledgeResult(query=found.query, hits=(planted + list(found.hits))[:k], answerable=True)


class CaseRuntime(Runtime):
    """A Runtime on one case's private copy of the bank, sharing the process-wide knowledge retriever."""

    def __init__(self, settings: Settings, retriever) -> None:
        super().__init__(settings)
        self._retriever = retriever

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.db_url)        # the copy is already migrated; no per-case engine cache

    @property
    def retriever(self):
        return self._retriever


class DemoBank:
    """The seeded template (made once per process) and its identities; `open` hands out a fresh copy."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings, self.workdir = settings, Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.template = self.workdir / "template.db"
        seeder = Runtime(settings.model_copy(update={"database_url": f"sqlite:///{self.template}"}))
        seeder.seed_demo(reset=True, as_of=settings.demo_as_of or EVAL_AS_OF)
        with seeder.db.session() as session:
            self.identities = {c.id: _identity(session, c) for c in session.scalars(select(Customer))}
        seeder.db.dispose()
        self._opened = 0

    @cached_property
    def retriever(self):
        return Runtime(self.settings).retriever

    def open(self, case: Case) -> CaseBank:
        self._opened += 1
        path = self.workdir / f"case-{self._opened}.db"
        shutil.copyfile(self.template, path)
        settings = self.settings.model_copy(update={"database_url": f"sqlite:///{path}"})
        retriever = PlantedRetriever(self.retriever, case.setup.knowledge) if case.setup.knowledge else self.retriever
        bank = CaseBank(CaseRuntime(settings, retriever), case.customer, path)
        try:
            bank.set_up(case)
        except Exception:
            bank.close()
            raise
        return bank


def _identity(session, customer: Customer) -> Identity:
    accounts = list(session.scalars(select(Account).where(Account.customer_id == customer.id)))
    cards = list(session.scalars(select(Card).where(Card.customer_id == customer.id)))
    shown = [customer.email, customer.phone, *(a.last4 for a in accounts), *(c.last4 for c in cards)]
    return Identity(shown=tuple(shown), secret=tuple(a.number for a in accounts if len(a.number) > 6))


class CaseBank:
    """One case run's bank: its runtime, the customer, and the scopes the set-up has granted so far."""

    def __init__(self, runtime: CaseRuntime, customer_id: str, path: Path) -> None:
        self.runtime, self.customer_id, self.path = runtime, customer_id, path
        self.now = runtime.settings.now()
        self.granted: set[str] = set(DEFAULT_SCOPES)

    def set_up(self, case: Case) -> None:
        with self.runtime.db.session() as session:
            if case.consents != "seeded":
                scopes = list(consent.SCOPES) if case.consents == "all" else \
                    [] if case.consents == "none" else list(case.consents)
                self._replace_consents(session, scopes)
            for n, planted in enumerate(case.setup.transactions, 1):
                session.add(self._transaction(session, planted, n))

    def _replace_consents(self, session, scopes: list[str]) -> None:
        """The customer's grants become exactly `scopes` (history cleared: a scope left out was never granted)."""
        session.execute(delete(ConsentEvent).where(ConsentEvent.customer_id == self.customer_id))
        session.execute(delete(Consent).where(Consent.customer_id == self.customer_id))
        if scopes:
            consent.grant(session, self.customer_id, scopes, now=self.now - timedelta(days=1), channel="eval")
        self.granted = set(scopes)

    def _find(self, session, model, key: str):
        rows = list(session.scalars(select(model).where(model.customer_id == self.customer_id)))
        wanted = key.casefold()
        found = next((r for r in rows if wanted in (r.id.casefold(), r.name.casefold(), r.last4)
                      or r.id.casefold().endswith(f"-{wanted}")), None)
        if found is None:
            names = ", ".join(f"{r.name} ({r.last4})" for r in rows)
            raise ValueError(f"setup: {self.customer_id} has no {model.__tablename__[:-1]} {key!r}; try one of {names}")
        return found

    def _transaction(self, session, planted: PlantedTransaction, n: int) -> Transaction:
        account = self._find(session, Account, planted.account)
        card = self._find(session, Card, planted.card) if planted.card else None
        day = self.now.date() - timedelta(days=planted.days_ago)
        return Transaction(id=f"{self.customer_id}-eval-{n}", customer_id=self.customer_id, account_id=account.id,
                           card_id=card.id if card else None,
                           occurred_at=datetime.combine(day, time(12), tzinfo=timezone.utc),
                           amount=Decimal(str(planted.amount)), currency=account.currency, merchant=planted.merchant,
                           description=planted.description or planted.merchant, category=planted.category,
                           channel=planted.channel, country=planted.country, status=planted.status)

    def change(self, turn: Turn) -> None:
        """Apply a turn's consent changes, as the customer would in the consent centre just before writing."""
        if not (turn.grant or turn.revoke or turn.expire):
            return
        actor = f"customer:{self.customer_id}"
        with self.runtime.db.session() as session:
            if turn.grant:
                consent.grant(session, self.customer_id, turn.grant, now=self.now, channel="eval")
            if turn.revoke:
                consent.revoke_scopes(session, self.customer_id, turn.revoke, now=self.now, actor=actor)
            if turn.expire:
                self._expire(session, turn.expire)
        self.granted = (self.granted | set(turn.grant)) - set(turn.revoke) - set(turn.expire)

    def _expire(self, session, scopes: list[str]) -> None:
        """Let the grants carrying these scopes lapse (other scopes on them are granted afresh)."""
        for grant in consent.active_consents(session, self.customer_id, self.now):
            if set(grant.scopes) & set(scopes):
                grant.expires_at = self.now - timedelta(seconds=1)
                keep = [s for s in grant.scopes if s not in scopes]
                if keep:
                    consent.grant(session, self.customer_id, keep, now=self.now, purpose=grant.purpose,
                                  channel=grant.channel, actor=grant.granted_by, lookback_days=grant.lookback_days)
        ever = {s for c in consent.all_consents(session, self.customer_id) for s in c.scopes}
        never = [s for s in scopes if s not in ever]
        if never:                                    # a grant from last year that has run out
            consent.grant(session, self.customer_id, never, now=self.now - timedelta(days=366), days=365,
                          channel="eval")
        session.flush()

    def close(self) -> None:
        self.runtime.db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
