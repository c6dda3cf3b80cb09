"""Agent fixtures: one Copilot per test on a fresh copy of the demo bank, with helpers to grant or revoke consent."""

from __future__ import annotations

import pytest

from copilot import consent
from copilot.agent.loop import Copilot
from copilot.agent.state import Profile, load_profile


@pytest.fixture
def copilot(runtime) -> Copilot:
    return Copilot(runtime)


def grant(runtime, customer_id: str, *scopes: str) -> None:
    with runtime.db.session() as session:
        consent.grant(session, customer_id, list(scopes), now=runtime.settings.now())


def revoke(runtime, customer_id: str, *scopes: str) -> None:
    with runtime.db.session() as session:
        consent.revoke_scopes(session, customer_id, list(scopes), now=runtime.settings.now(),
                              actor=f"customer:{customer_id}")


@pytest.fixture
def profile(runtime) -> Profile:
    """demo-debt's profile (cards, accounts, merchants, categories) from the seeded demo bank."""
    with runtime.db.session() as session:
        return load_profile(session, "demo-debt")
