"""Agent fixtures: one Copilot per test on a fresh copy of the demo bank, with helpers to grant or revoke consent."""

from __future__ import annotations

import pytest

from copilot import consent
from copilot.agent.loop import Copilot


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
