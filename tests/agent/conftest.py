"""Agent fixtures: one Copilot per test on a fresh copy of the demo bank, with helpers to grant or revoke consent."""

from __future__ import annotations

import pytest

from copilot import consent
from copilot.agent.loop import Copilot
from copilot.agent.state import Profile, load_profile
from copilot.runtime import Runtime
from tests.agent.fake_openai import Script, serve
from tests.conftest import make_settings


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


@pytest.fixture(params=[True, False], ids=["sse", "json"])
def llm(request, runtime, tmp_path):
    """Build a Copilot on the openai provider pointed at a scripted server: llm(script) -> Copilot."""
    servers = []

    def build(script: Script, **overrides) -> Copilot:
        context = serve(script)
        url = context.__enter__()
        servers.append(context)
        settings = make_settings(tmp_path, **{"provider": "openai:scripted-model", "openai_base_url": url,
                                              "openai_api_key": "sk-test", "openai_timeout_s": 2,
                                              "openai_max_retries": 1, "openai_streaming": request.param,
                                              **overrides})
        return Copilot(Runtime(settings))

    yield build
    for context in servers:
        context.__exit__(None, None, None)
