"""Assist panel: queue, take, audited views only with a basis, suggested reply (agent procedures included, nothing
it proposes takes effect), edited replies through the filters again, traces, closing the hand-off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from copilot.store.models import AuditEvent, Handoff, PendingAction, TurnTrace
from tests.api.conftest import error_code, say, start


@pytest.fixture
def handoff(client, tokens) -> dict:
    """demo-gig asks how to dispute a charge, then for a person: one queued hand-off."""
    customer = tokens.customer("demo-gig")
    conversation = start(client, customer)
    say(client, customer, conversation, "how do I dispute a charge on my card?")
    assert say(client, customer, conversation, "I want to talk to a person")["route"] == "handoff"
    queue = client.get("/api/assist/handoffs", headers=tokens.agent()).json()
    mine = next(h for h in queue if h["conversation_id"] == conversation)
    return {**mine, "customer": customer}


def views(runtime, name: str) -> list[tuple[str, str]]:
    with runtime.db.session() as session:
        return [(e.actor, e.decision) for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == "view",
                                                                                       AuditEvent.name == name))]


def test_queue_take_and_a_second_agent_is_refused(client, tokens, handoff, api_runtime):
    assert handoff["customer_name"] and handoff["status"] == "queued" and handoff["reason"]
    taken = client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=tokens.agent("alice"))
    assert taken.json()["status"] == "assigned" and taken.json()["agent_id"] == "alice"
    again = client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=tokens.agent("alice"))
    assert again.status_code == 200, "taking your own hand-off again is a no-op"
    bob = tokens.agent("bob")
    assert error_code(client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=bob)) == "conflict"
    refused = client.get(f"/api/assist/conversations/{handoff['conversation_id']}", headers=bob)
    assert refused.status_code == 403 and error_code(refused) == "not_shared"
    assert ("agent:bob", "denied") in views(api_runtime, "assist.conversation")
    customer_view = client.get(f"/api/conversations/{handoff['conversation_id']}", headers=handoff["customer"]).json()
    assert customer_view["conversation"]["status"] == "handoff"
    assert customer_view["messages"][-1]["content"] == "A member of our support team has joined the conversation."


def test_summary_needs_share_or_a_handoff_and_every_view_is_audited(client, tokens, api_runtime):
    agent = tokens.agent()
    refused = client.get("/api/assist/customers/demo-sme/summary", headers=agent)
    assert refused.status_code == 403 and error_code(refused) == "not_shared"
    assert "accounts" not in refused.text
    client.post("/api/customers/demo-sme/consents", json={"scopes": ["support:share"]},
                headers=tokens.customer("demo-sme"))
    shared = client.get("/api/assist/customers/demo-sme/summary", headers=agent).json()
    assert shared["basis"] == "support:share" and shared["customer"]["id"] == "demo-sme"
    assert shared["accounts"] and all("number" not in a for a in shared["accounts"])
    assert shared["alerts"]["available"] is True, "with support:share the agent sees the copilot's alerts"
    assert views(api_runtime, "assist.summary") == [("agent:alice", "denied"), ("agent:alice", "allowed")]


def test_summary_during_a_handoff_without_share(client, tokens, handoff):
    agent = tokens.agent()
    untaken = client.get(f"/api/assist/customers/{handoff['customer_id']}/summary", headers=agent)
    assert untaken.status_code == 403, "a queued hand-off shows only its queue entry until an agent takes it"
    client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    summary = client.get(f"/api/assist/customers/{handoff['customer_id']}/summary", headers=agent).json()
    assert summary["basis"] == f"handoff:{handoff['id']}" and summary["customer"]["id"] == handoff["customer_id"]
    assert summary["accounts"] == [] and summary["cards"] == [] and summary["alerts"]["available"] is False
    assert "support:share" in summary["withheld"]["accounts"], "the account summary is what support:share shares"


def share(client, handoff) -> None:
    granted = client.post(f"/api/customers/{handoff['customer_id']}/consents", json={"scopes": ["support:share"]},
                          headers=handoff["customer"])
    assert granted.status_code == 201


def test_suggestion_shows_agent_procedures_and_has_no_side_effects(client, tokens, handoff, api_runtime):
    agent = tokens.agent()
    share(client, handoff)
    client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    suggestion = client.post(f"/api/assist/conversations/{handoff['conversation_id']}/suggestion", headers=agent).json()
    assert suggestion["question"]["content"] == "how do I dispute a charge on my card?"
    assert suggestion["text"] and suggestion["suggestion_id"]
    assert suggestion["compliance"]["verdict"] in ("allow", "rewrite")
    assert any(p["audience"] == "agent" for p in suggestion["procedures"]), "agent-only procedures belong here"
    queue = client.get("/api/assist/handoffs", headers=agent).json()
    assert [h["conversation_id"] for h in queue] == [handoff["conversation_id"]], "suggestions never queue hand-offs"
    customer = handoff["customer"]
    listed = [c["id"] for c in client.get("/api/conversations", headers=customer).json()]
    assert listed == [handoff["conversation_id"]], "the scratch conversation is not the customer's to see"
    with api_runtime.db.session() as session:
        assert not session.scalars(select(PendingAction).where(PendingAction.status == "pending")).all()
        assert session.scalar(select(Handoff).where(Handoff.id == handoff["id"])).status == "assigned"


def test_edited_reply_passes_the_filters_again(client, tokens, handoff):
    agent, conversation = tokens.agent(), handoff["conversation_id"]
    url = f"/api/assist/conversations/{conversation}/reply"
    not_shared = client.post(url, json={"text": "Hello, I can help."}, headers=agent)
    assert not_shared.status_code == 403 and error_code(not_shared) == "not_shared"
    share(client, handoff)
    not_taken = client.post(url, json={"text": "Hello, I can help."}, headers=agent)
    assert not_taken.status_code == 409 and error_code(not_taken) == "handoff_not_taken"
    client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    suggestion = client.post(f"/api/assist/conversations/{conversation}/suggestion", headers=agent).json()
    edited = "Hi, I'm Alice from support. " + suggestion["text"]
    sent = client.post(url, json={"text": edited, "suggestion_id": suggestion["suggestion_id"]}, headers=agent)
    assert sent.status_code == 200, sent.text
    assert sent.json()["compliance"]["verdict"] in ("allow", "rewrite")
    masked = client.post(url, json={"text": "The card 4111 1111 1111 1111 is not on your account."}, headers=agent)
    assert masked.json()["edited_by_filters"] and "4111 1111 1111 1111" not in masked.json()["text"]
    assert "pii.mask" in [r["rule_id"] for r in masked.json()["compliance"]["rules"]]
    untraceable = client.post(url, json={"text": "We will refund $987.65 today."}, headers=agent)
    assert "ground.untraceable_number" in [r["rule_id"] for r in untraceable.json()["error"]["compliance"]["rules"]]
    blocked = client.post(url, json={"text": "Your dispute is guaranteed to succeed."}, headers=agent)
    assert blocked.status_code == 422 and error_code(blocked) == "reply_blocked"
    assert "claims.guaranteed_approval" in [r["rule_id"] for r in blocked.json()["error"]["compliance"]["rules"]]
    secret = client.post(url, json={"text": "See [agent-dispute-handling#intake-checklist]."}, headers=agent)
    assert secret.status_code == 422 and error_code(secret) == "agent_only_citation"
    history = client.get(f"/api/conversations/{conversation}", headers=handoff["customer"]).json()["messages"]
    from_agent = [m["content"] for m in history if m["role"] == "agent"]
    assert from_agent == [sent.json()["text"], masked.json()["text"]], "blocked replies never reach the customer"
    assert all(m["author"] == "support agent" for m in history if m["role"] == "agent")
    wrong = client.post(url, json={"text": "Hello", "suggestion_id": 999999}, headers=agent)
    assert wrong.status_code == 404


def test_traces_and_closing_the_handoff(client, tokens, handoff):
    agent, conversation = tokens.agent(), handoff["conversation_id"]
    client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    traces = client.get(f"/api/assist/conversations/{conversation}/traces", headers=agent).json()
    assert [t["route"] for t in traces][-1] == "handoff"
    assert traces[-1]["tools"][0]["name"] == "handoff_to_agent" and "input" in traces[-1]["guard"]
    closed = client.post(f"/api/assist/handoffs/{handoff['id']}/close", headers=agent)
    assert closed.json()["status"] == "closed"
    status = client.get(f"/api/conversations/{conversation}", headers=handoff["customer"]).json()["conversation"]
    assert status["status"] == "open"
    assert client.get("/api/assist/handoffs", headers=agent).json() == []
    assert client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent).status_code == 409
    assert client.post("/api/assist/handoffs/999999/take", headers=agent).status_code == 404


def test_a_suggestion_for_a_change_explains_how_and_leaves_nothing_behind(client, tokens, api_runtime):
    customer, agent = tokens.customer("demo-gig"), tokens.agent()
    client.post("/api/customers/demo-gig/consents", json={"scopes": ["support:share", "cards:manage"]},
                headers=customer)
    conversation = start(client, customer)
    say(client, customer, conversation, "freeze my debit card")
    assert say(client, customer, conversation, "I want to talk to a person")["route"] == "handoff"
    queue = client.get("/api/assist/handoffs", headers=agent).json()
    handoff = next(h for h in queue if h["conversation_id"] == conversation)
    client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent)
    suggestion = client.post(f"/api/assist/conversations/{conversation}/suggestion", headers=agent).json()
    assert suggestion["question"]["content"] == "freeze my debit card"
    assert suggestion["proposed_action"] is None and "freeze" in suggestion["text"].lower(), \
        "an agent's suggestion explains the change (the agent acts in their own tools) instead of proposing it"
    assert any(c["handle"].startswith("card-freeze") for c in suggestion["citations"])
    with api_runtime.db.session() as session:
        scratch = session.get(TurnTrace, suggestion["suggestion_id"]).conversation_id
        assert not session.scalars(select(PendingAction).where(PendingAction.conversation_id == scratch)).all()
        assert not session.scalars(select(Handoff).where(Handoff.conversation_id == scratch)).all()
