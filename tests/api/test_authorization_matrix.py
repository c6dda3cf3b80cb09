"""Authorization matrix: every endpoint that takes a customer, conversation, consent or action id, called with another
customer's token, answers 403/404, leaks nothing of the victim and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from copilot.store.models import Consent, Message, PendingAction
from tests.api.conftest import say, start

ID_PARAMS = {"customer_id", "conversation_id", "consent_id", "action_id", "handoff_id"}
VICTIM, ATTACKER = "demo-debt", "demo-gig"
SECRET_WORDS = "my secret pet is called Biscuit"


@pytest.fixture
def victim(client, tokens) -> dict:
    """demo-debt with a conversation, a pending card freeze, a hand-off and a fresh grant: everything an id names."""
    headers = tokens.customer(VICTIM)
    consent = client.post(f"/api/customers/{VICTIM}/consents", json={"scopes": ["cards:manage"]}, headers=headers)
    conversation = start(client, headers)
    say(client, headers, conversation, SECRET_WORDS)
    action = say(client, headers, conversation, "freeze my card ending 3424")["pending_action"]
    say(client, headers, conversation, "I want to talk to a person")
    handoff = client.get("/api/assist/handoffs", headers=tokens.agent()).json()[0]
    return {"customer_id": VICTIM, "conversation_id": conversation, "consent_id": consent.json()["id"],
            "action_id": action["id"], "handoff_id": handoff["id"]}


def attacks(ids: dict) -> list[tuple[str, str, dict | None]]:
    """(method, path, body) for every id-taking endpoint, aimed at the victim's ids."""
    c, v, conv = ids["customer_id"], ids, ids["conversation_id"]
    return [
        ("POST", f"/api/conversations/{conv}/messages", {"text": "what did I say before?"}),
        ("GET", f"/api/conversations/{conv}", None),
        ("GET", f"/api/customers/{c}/consents", None),
        ("POST", f"/api/customers/{c}/consents", {"scopes": ["support:share"]}),
        ("DELETE", f"/api/customers/{c}/consents/{v['consent_id']}", None),
        ("DELETE", f"/api/customers/{ATTACKER}/consents/{v['consent_id']}", None),
        ("POST", f"/api/customers/{c}/consents/revoke", {"scopes": ["cards:manage"]}),
        ("POST", f"/api/customers/{c}/consents/decline", {"scopes": ["cards:manage"]}),
        ("GET", f"/api/customers/{c}/consents/history", None),
        ("GET", f"/api/customers/{c}/consents/agent-view", None),
        ("GET", f"/api/customers/{c}/profile", None),
        ("GET", f"/api/customers/{c}/accounts", None),
        ("GET", f"/api/customers/{c}/alerts", None),
        ("GET", f"/api/customers/{c}/disputes", None),
        ("GET", f"/api/customers/{c}/actions", None),
        ("POST", f"/api/actions/{v['action_id']}/confirm", None),
        ("POST", f"/api/actions/{v['action_id']}/cancel", None),
        ("GET", f"/api/assist/conversations/{conv}", None),
        ("GET", f"/api/assist/conversations/{conv}/traces", None),
        ("POST", f"/api/assist/conversations/{conv}/suggestion", None),
        ("POST", f"/api/assist/conversations/{conv}/reply", {"text": "hello"}),
        ("GET", f"/api/assist/customers/{c}/summary", None),
        ("POST", f"/api/assist/handoffs/{v['handoff_id']}/take", None),
        ("POST", f"/api/assist/handoffs/{v['handoff_id']}/close", None),
    ]


def test_every_id_taking_endpoint_is_in_the_matrix(client):
    covered = {(method, path.replace(ATTACKER, "{}")) for method, path, _ in attacks(dict.fromkeys(ID_PARAMS, "{}"))}
    needed = {(method, re.sub(r"\{\w+\}", "{}", route.path)) for route in client.app.routes
              if ID_PARAMS & set(re.findall(r"\{(\w+)\}", getattr(route, "path", ""))) for method in route.methods}
    assert needed <= covered, f"add these endpoints to the authorization matrix: {sorted(needed - covered)}"


def test_another_customer_gets_403_or_404_and_learns_nothing(client, tokens, victim, api_runtime):
    def snapshot():
        with api_runtime.db.session() as session:
            return (session.scalar(select(func.count()).select_from(Message)),
                    session.get(Consent, victim["consent_id"]).status,
                    session.get(PendingAction, victim["action_id"]).status)

    before = snapshot()
    attacker = tokens.customer(ATTACKER)
    leaks = [SECRET_WORDS, "Dana", "3424", VICTIM + "-", "freeze"]
    for method, path, body in attacks(victim):
        response = client.request(method, path, json=body, headers=attacker)
        assert response.status_code in (403, 404), f"{method} {path} answered {response.status_code}"
        assert not [word for word in leaks if word in response.text], f"{method} {path} leaked: {response.text}"
    assert snapshot() == before, "a refused call must change nothing"
