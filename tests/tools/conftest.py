"""Fixtures for the tools tests: a tool context on the seeded demo bank, consent helpers, audit counting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import func, select

from copilot import consent
from copilot.context import ToolContext
from copilot.runtime import Runtime
from copilot.store.models import AuditEvent
from tools import ToolOutcome, run_tool

ALL_SCOPES = list(consent.SCOPES)


def context(runtime: Runtime, customer: str = "demo-debt", *, role: str = "customer", now: datetime | None = None,
            conversation_id: str | None = None, retriever=None) -> ToolContext:
    return ToolContext(db=runtime.db, settings=runtime.settings, customer_id=customer,
                       actor=f"{'agent:alice' if role == 'support_agent' else f'customer:{customer}'}", role=role,
                       now=now or runtime.settings.now(), conversation_id=conversation_id, retriever=retriever)


def call(ctx: ToolContext, tool: str, /, **args) -> ToolOutcome:
    return run_tool(ctx, tool, args)


def ok(ctx: ToolContext, tool: str, /, **args) -> dict:
    """Run a tool that must succeed and return its result (the failure message names the tool and why)."""
    outcome = run_tool(ctx, tool, args)
    assert outcome.status == "ok", f"{tool}({args}) -> {outcome.status}: {outcome.error}"
    return outcome.result


def grant(runtime: Runtime, customer: str, scopes: list[str], *, now: datetime | None = None, **kwargs) -> str:
    with runtime.db.session() as session:
        return consent.grant(session, customer, scopes, now=now or runtime.settings.now(), **kwargs).id


def revoke(runtime: Runtime, customer: str, scopes: list[str], *, now: datetime | None = None) -> None:
    with runtime.db.session() as session:
        consent.revoke_scopes(session, customer, scopes, now=now or runtime.settings.now(), actor=f"customer:{customer}")


def audit_count(runtime: Runtime, **filters) -> int:
    with runtime.db.session() as session:
        query = select(func.count()).select_from(AuditEvent)
        for key, value in filters.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return session.scalar(query)


@pytest.fixture
def ctx(runtime) -> ToolContext:
    """demo-debt, as the customer, with the demo bank's onboarding consents."""
    return context(runtime)


@pytest.fixture
def make_ctx(runtime) -> Callable[..., ToolContext]:
    return lambda customer="demo-debt", **kwargs: context(runtime, customer, **kwargs)


@pytest.fixture
def seeded_any_db(any_db_settings) -> Runtime:
    """The seeded demo bank on a fresh SQLite file and on the real PostgreSQL server."""
    runtime = Runtime(any_db_settings)
    runtime.seed_demo()
    return runtime


def labelled(runtime, customer_id: str, kind: str) -> str:
    """The id of the demo bank's labelled anomaly of this kind (so tests never hard-code generated ids)."""
    from sqlalchemy import select

    from copilot.store.models import AnomalyLabel

    with runtime.db.session() as session:
        return session.scalar(select(AnomalyLabel.transaction_id).where(AnomalyLabel.customer_id == customer_id,
                                                                        AnomalyLabel.kind == kind))


def account(runtime, account_id: str):
    """The demo bank's account row (tests compare tool figures with the database, never with literals)."""
    from copilot.store.models import Account

    with runtime.db.session() as session:
        return session.get(Account, account_id)
