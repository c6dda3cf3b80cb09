"""The API on PostgreSQL (the scale-out database): a chat turn, a consent, a confirmed action, a hand-off and an agent
reply, served by two app instances with their own engines, as two machines behind a load balancer would."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.runtime import Runtime
from copilot.store import Database
from tests.api.conftest import Tokens, say, start
from tests.conftest import make_settings

pytestmark = pytest.mark.postgres


def test_a_journey_across_two_instances_on_postgres(tmp_path, postgres_url, kb_chroma):
    runtime = Runtime(make_settings(tmp_path, database_url=postgres_url, chroma_path=kb_chroma))
    runtime.seed_demo()
    other = Runtime(runtime.settings)
    other.__dict__["db"] = Database(postgres_url)                 # a second machine: its own engine and pool
    tokens = Tokens(runtime)
    customer, agent = tokens.customer("demo-debt"), tokens.agent()
    with TestClient(create_app(runtime=runtime)) as one, TestClient(create_app(runtime=other)) as two:
        assert one.get("/health").json()["database"] == "postgresql"
        two.post("/api/customers/demo-debt/consents", json={"scopes": ["cards:manage"]}, headers=customer)
        conversation = start(one, customer)
        action = say(two, customer, conversation, "freeze my card ending 3424")["pending_action"]
        assert one.post(f"/api/actions/{action['id']}/confirm", headers=customer).json()["status"] == "executed"
        assert two.post(f"/api/actions/{action['id']}/confirm", headers=customer).json()["replayed"] is True
        assert say(one, customer, conversation, "I want to talk to a person")["route"] == "handoff"
        handoff = two.get("/api/assist/handoffs", headers=agent).json()[0]
        assert one.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent).json()["status"] == "assigned"
        sent = two.post(f"/api/assist/conversations/{conversation}/reply", json={"text": "Hello, I'm here to help."},
                        headers=agent)
        assert sent.status_code == 200, sent.text
        history = one.get(f"/api/conversations/{conversation}", headers=customer).json()["messages"]
        assert history[-1]["role"] == "agent" and history[-1]["content"] == "Hello, I'm here to help."
        assert one.get(f"/api/conversations/{conversation}", headers=tokens.customer("demo-gig")).status_code == 404
    runtime.db.dispose()
    other.db.dispose()
