"""Runtime: the long-lived objects one process shares (settings, database), built once from Settings."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from sqlalchemy import select

from copilot.config import Settings, get_settings
from copilot.demo import seed as demo_seed
from copilot.store import Database, open_database
from copilot.store.models import Customer


class UnknownCustomer(LookupError):
    """No customer with this id; the message lists the demo ids."""

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"unknown customer {customer_id!r}; demo customers are: {', '.join(demo_seed.DEMO_IDS)}")


class Runtime:
    """Settings plus the database; later layers (retriever, agent) hang off this object lazily."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @cached_property
    def db(self) -> Database:
        return open_database(self.settings.db_url, self.settings.db_pool_size, self.settings.db_max_overflow)

    @property
    def cipher(self):
        """The vault's Fernet keys (COPILOT_VAULT_KEY, or the demo key file): payee numbers and phone secrets."""
        from copilot.store.vault import cipher_for

        return cipher_for(self.settings)

    @cached_property
    def retriever(self):
        """The hybrid knowledge retriever (builds the index on first use when it is missing)."""
        from knowledge.retriever import get_retriever

        return get_retriever(self.settings)

    def demo_as_of(self) -> date:
        return self.settings.demo_as_of or self.settings.now().date()

    def seed_demo(self, *, reset: bool = False, as_of: date | None = None) -> dict:
        """Seed the demo bank; keeps an existing demo bank unless reset or a new as-of date is asked for."""
        with self.db.session() as session:
            existing = demo_seed.demo_as_of(session)
            if existing and not reset and as_of is None and self.settings.demo_as_of is None:
                return demo_seed.seed(session, existing, self.cipher)
            return demo_seed.seed(session, as_of or self.demo_as_of(), self.cipher, reset=reset)

    def require_customer(self, customer_id: str) -> Customer:
        with self.db.session() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise UnknownCustomer(customer_id)
            return customer

    def customer_ids(self) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(Customer.id).order_by(Customer.id)))
