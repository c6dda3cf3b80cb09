"""Store and demo bank on SQLite and PostgreSQL: migrations, deterministic seed, personas, clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from copilot.demo.seed import DEMO_IDS
from copilot.runtime import Runtime
from copilot.store.models import Account, AnomalyLabel, Card, Customer, PendingAction, RecurringSeries, Transaction
from copilot.store.db import StoreError, open_database
from tests.conftest import AS_OF


def test_seed_is_deterministic_and_idempotent(any_db_settings):
    runtime = Runtime(any_db_settings)
    first = runtime.seed_demo()
    again = runtime.seed_demo()
    assert first["created"] and not again["created"]
    assert again["hash"] == first["hash"] and again["counts"] == first["counts"]
    reset = runtime.seed_demo(reset=True)
    assert reset["hash"] == first["hash"], "re-seeding from scratch must give byte-identical data"
    assert first["counts"]["customers"] == 5 and first["counts"]["transactions"] > 3000


@pytest.mark.postgres
def test_same_seed_same_hash_on_sqlite_and_postgres(tmp_path, postgres_url):
    from tests.conftest import make_settings
    lite = Runtime(make_settings(tmp_path / "a")).seed_demo()
    pg = Runtime(make_settings(tmp_path / "b", database_url=postgres_url)).seed_demo()
    assert lite["hash"] == pg["hash"]
    assert lite["counts"] == pg["counts"]


def test_every_persona_has_a_year_of_history(runtime):
    with runtime.db.session() as session:
        assert sorted(session.scalars(select(Customer.id))) == sorted(DEMO_IDS)
        for customer_id in DEMO_IDS:
            first, last = session.execute(select(func.min(Transaction.occurred_at), func.max(Transaction.occurred_at))
                                          .where(Transaction.customer_id == customer_id)).one()
            assert (last - first).days >= 365, customer_id
            assert last.date() <= AS_OF


def test_personas_match_their_stories(runtime):
    with runtime.db.session() as session:
        kinds = {cid: {a.kind for a in session.scalars(select(Account).where(Account.customer_id == cid))}
                 for cid in DEMO_IDS}
        assert {"credit_card", "personal_loan"} <= kinds["demo-debt"]
        assert {"business_checking", "term_loan"} <= kinds["demo-sme"]
        assert "wallet" in kinds["demo-traveler"]
        wallet_currencies = set(session.scalars(select(Account.currency).where(
            Account.customer_id == "demo-traveler", Account.kind == "wallet")))
        assert wallet_currencies == {"EUR", "GBP", "JPY"}
        debt_cards = session.scalars(select(Account).where(Account.customer_id == "demo-debt",
                                                           Account.kind == "credit_card")).all()
        assert all(a.apr > Decimal("20") and a.current_balance > Decimal("1000") and a.min_payment for a in debt_cards)
        assert all(a.current_balance <= a.credit_limit for a in debt_cards)
        # new job: biweekly paycheques from the new employer in the last three months
        pay = session.scalars(select(Transaction.occurred_at).where(
            Transaction.customer_id == "demo-newjob", Transaction.merchant == "Northwind Analytics Payroll")
            .order_by(Transaction.occurred_at)).all()
        assert len(pay) >= 5 and {(b - a).days for a, b in zip(pay, pay[1:])} == {14}
        # the gig household's income really varies
        gig = session.scalars(select(Transaction.amount).where(Transaction.customer_id == "demo-gig",
                                                                Transaction.category == "income")).all()
        assert max(gig) > 3 * min(gig)
        # the traveller spends abroad
        countries = set(session.scalars(select(Transaction.country).where(Transaction.customer_id == "demo-traveler")))
        assert {"GB", "JP", "FR"} <= countries
        assert session.scalar(select(func.count()).where(Transaction.status == "pending")) > 0


def test_injected_anomalies_are_labelled(runtime):
    with runtime.db.session() as session:
        labels = session.execute(select(AnomalyLabel.kind, Transaction.merchant, Transaction.amount)
                                 .join(Transaction, Transaction.id == AnomalyLabel.transaction_id)).all()
        kinds = {kind for kind, _, _ in labels}
        assert {"duplicate_charge", "card_testing", "unusual_foreign", "price_rise"} <= kinds
        testing = [amount for kind, _, amount in labels if kind == "card_testing"]
        assert all(Decimal("-2") < amount < 0 for amount in testing)
        netflix = session.scalars(select(Transaction.amount).where(
            Transaction.customer_id == "demo-debt", Transaction.merchant == "Netflix")
            .order_by(Transaction.occurred_at)).all()
        assert netflix[0] == Decimal("-15.49") and netflix[-1] == Decimal("-17.99")
        assert session.scalar(select(func.count()).select_from(RecurringSeries)) > 40


def test_pending_action_idempotency_key_is_unique(runtime):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy.exc import IntegrityError
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    row = dict(customer_id="demo-debt", tool="freeze_card", args={}, summary="freeze", idempotency_key="k1",
               created_at=now, expires_at=now + timedelta(minutes=10))
    with pytest.raises(IntegrityError):
        with runtime.db.session() as session:
            session.add(PendingAction(id="p1", **row))
            session.flush()
            session.add(PendingAction(id="p2", **row))
            session.flush()
    with runtime.db.session() as session:
        assert session.get(PendingAction, "p1") is None, "a failed write must leave nothing half-done"


def test_sqlite_runs_in_wal_mode(runtime):
    with runtime.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_unreachable_database_gives_one_line_fix():
    open_database.cache_clear()
    with pytest.raises(StoreError, match="cannot reach database .*COPILOT_DATABASE_URL"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_cards_belong_to_their_customers_accounts(runtime):
    with runtime.db.session() as session:
        for card in session.scalars(select(Card)):
            assert session.get(Account, card.account_id).customer_id == card.customer_id
