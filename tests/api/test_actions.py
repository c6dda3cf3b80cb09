"""Confirmation buttons: a pending write runs exactly once, a second press replays, cancel works, the chat is told."""

from __future__ import annotations

from sqlalchemy import func, select

from copilot.store.models import AuditEvent, Card
from tests.api.conftest import error_code, say, start


def propose_freeze(client, headers) -> tuple[str, dict]:
    client.post("/api/customers/demo-debt/consents", json={"scopes": ["cards:manage"]}, headers=headers)
    conversation = start(client, headers)
    turn = say(client, headers, conversation, "freeze my card ending 3424")
    assert turn["route"] == "confirm", turn["answer"]
    return conversation, turn["pending_action"]


def card_status(runtime, card_id: str) -> str:
    with runtime.db.session() as session:
        return session.get(Card, card_id).status


def test_confirm_button_freezes_the_card_once(client, tokens, api_runtime):
    headers = tokens.customer()
    conversation, action = propose_freeze(client, headers)
    assert [a["id"] for a in client.get("/api/customers/demo-debt/actions", headers=headers).json()] == [action["id"]]
    first = client.post(f"/api/actions/{action['id']}/confirm", headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "executed" and first.json()["replayed"] is False
    assert "3424" in first.json()["message"] and "frozen" in first.json()["message"].lower()
    assert card_status(api_runtime, action["args"]["card"]) == "frozen"
    again = client.post(f"/api/actions/{action['id']}/confirm", headers=headers)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["result"] == first.json()["result"]
    history = client.get(f"/api/conversations/{conversation}", headers=headers).json()
    bank_notes = [m for m in history["messages"] if m["role"] == "system"]
    assert len(bank_notes) == 1 and history["pending_actions"] == [], "one note in the chat, nothing left pending"
    with api_runtime.db.session() as session:
        executed = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "action", AuditEvent.name == "freeze_card", AuditEvent.decision == "executed"))
    assert executed == 1


def test_cancel_then_confirm_is_a_conflict(client, tokens, api_runtime):
    headers = tokens.customer()
    _, action = propose_freeze(client, headers)
    cancelled = client.post(f"/api/actions/{action['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = client.post(f"/api/actions/{action['id']}/confirm", headers=headers)
    assert late.status_code == 409 and error_code(late) == "conflict" and "cancelled" in late.json()["error"]["message"]
    assert card_status(api_runtime, action["args"]["card"]) == "active"


def test_confirm_rechecks_consent(client, tokens, api_runtime):
    headers = tokens.customer()
    _, action = propose_freeze(client, headers)
    client.post("/api/customers/demo-debt/consents/revoke", json={"scopes": ["cards:manage"]}, headers=headers)
    refused = client.post(f"/api/actions/{action['id']}/confirm", headers=headers)
    assert refused.status_code == 403 and error_code(refused) == "consent_required"
    assert refused.json()["error"]["consent"]["scopes"] == ["cards:manage"]
    assert card_status(api_runtime, action["args"]["card"]) == "active"


def test_unknown_action_is_404(client, tokens):
    response = client.post("/api/actions/act-000000000000/confirm", headers=tokens.customer())
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_dispute_and_budget_confirmed_by_button_show_up(client, tokens):
    headers = tokens.customer("demo-gig")
    client.post("/api/customers/demo-gig/consents", json={"scopes": ["disputes:write", "budgets:write"]},
                headers=headers)
    conversation = start(client, headers)
    for text, tool in [("I want to dispute the duplicate Target charge of $86.47", "dispute_transaction"),
                       ("set a budget of 300 a month for dining", "set_budget")]:
        turn = say(client, headers, conversation, text)
        assert turn["route"] == "confirm" and turn["pending_action"]["tool"] == tool, turn["answer"]
        done = client.post(f"/api/actions/{turn['pending_action']['id']}/confirm", headers=headers)
        assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    disputes = client.get("/api/customers/demo-gig/disputes", headers=headers).json()
    assert [(d["merchant"], d["amount"], d["status"]) for d in disputes] == [("Target", 86.47, "open")]
    assert say(client, headers, conversation, "How are my budgets doing?")["ui"][0]["kind"] == "progress"
