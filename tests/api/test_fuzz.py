"""Fuzz every operation of the OpenAPI schema with schemathesis, authenticated for its role: never a 5xx.

Each operation gets valid and invalid requests with random ids, and valid requests aimed at real ids (a live
conversation with a taken hand-off, a grant, a pending action), so the handlers behind the checks are reached too.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from copilot.api.app import create_app
from copilot.api.settings import ApiSettings
from tests.api.conftest import Tokens, make_runtime, say, start

pytestmark = pytest.mark.slow
EXAMPLES = 20


@pytest.fixture
def fuzz_target(tmp_path, bank_template, kb_chroma):
    """The app, a token per role, and real ids to aim at."""
    runtime = make_runtime(tmp_path, bank_template, kb_chroma)
    app = create_app(runtime=runtime, api_settings=ApiSettings(rate_per_minute=100_000, rate_burst=10_000))
    tokens = Tokens(runtime)
    headers = {"customer": tokens.customer("demo-debt"), "support_agent": tokens.agent(), "admin": tokens.admin()}
    customer, agent = headers["customer"], headers["support_agent"]
    with TestClient(app) as client:
        consent = client.post("/api/customers/demo-debt/consents", json={"scopes": ["cards:manage"]}, headers=customer)
        conversation = start(client, customer)
        action = say(client, customer, conversation, "freeze my card ending 3424")["pending_action"]
        say(client, customer, conversation, "I want to talk to a person")
        handoff = client.get("/api/assist/handoffs", headers=agent).json()[0]
        client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    ids = {"customer_id": "demo-debt", "conversation_id": conversation, "consent_id": consent.json()["id"],
           "action_id": action["id"], "handoff_id": handoff["id"], "doc_id": "foreign-exchange",
           "section": "cash-withdrawals-abroad"}
    return app, headers, ids


def role_for(path: str) -> str:
    if path.startswith(("/api/assist", "/api/kb")):
        return "support_agent"
    return "admin" if path.startswith("/api/admin") else "customer"


def cases(operation, ids: dict):
    """Random valid requests, random invalid ones, and valid ones at real ids."""
    params = [p.name for p in operation.path_parameters]
    real = {name: ids[name] for name in params if name in ids}
    strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
    if real:
        strategies.append(operation.as_strategy(path_parameters=real))
    return st.one_of(strategies)


def test_no_operation_answers_5xx(fuzz_target):
    app, headers, ids = fuzz_target
    operations = [result.ok() for result in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()]
    operations = [op for op in operations if not op.path.endswith("/events")]   # live streams never end: test_live
    operations.sort(key=lambda op: op.path.startswith("/api/admin"))    # revoking tokens last keeps the others alive
    assert len(operations) > 30
    for operation in operations:
        @given(case=cases(operation, ids))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case):
            case.call_and_validate(headers=headers[role_for(operation.path)], checks=[not_a_server_error])

        no_server_error()
