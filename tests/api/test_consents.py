"""Consents over HTTP: list with purposes, grant, revoke effective on the very next turn, decline, history, audit."""

from __future__ import annotations

from sqlalchemy import select

from copilot import consent
from copilot.store.models import AuditEvent
from tests.api.conftest import error_code, metric, say, start

BASE = "/api/customers/demo-debt/consents"


def test_list_shows_what_why_since_and_until(client, tokens):
    grants = client.get(BASE, headers=tokens.customer()).json()
    onboarding = next(g for g in grants if g["id"] == "demo-debt-cns-onboarding")
    assert onboarding["purposes"]["transactions:read"].startswith("read your transaction history")
    assert onboarding["purpose"] and onboarding["granted_at"] and onboarding["expires_at"]
    assert onboarding["status"] == "active" and onboarding["lookback_days"] == 365
    catalog = client.get("/api/consent-scopes", headers=tokens.customer()).json()
    assert catalog["support:share"] == consent.SCOPES["support:share"]
    assert "only what your other permissions share" in catalog["support:share"], "it says what the agent sees"


def test_revoke_takes_effect_on_the_next_turn(client, tokens):
    headers = tokens.customer()
    conversation = start(client, headers)
    assert say(client, headers, conversation, "what's my balance?")["route"] == "answer"
    revoked = client.post(f"{BASE}/revoke", json={"scopes": ["accounts:read"]}, headers=headers)
    assert revoked.status_code == 200 and revoked.json()[0]["status"] == "revoked"
    remaining = {s for g in client.get(BASE, headers=headers).json() for s in g["scopes"]}
    assert "accounts:read" not in remaining and "transactions:read" in remaining, "other scopes stay granted"
    refused = say(client, headers, conversation, "what's my balance?")
    assert refused["route"] == "consent_required" and refused["consent_request"]["reason"] == "revoked"


def test_grant_then_revoke_one_grant_by_id(client, tokens, api_runtime):
    headers = tokens.customer()
    granted = client.post(BASE, json={"scopes": ["marketing:offers", "support:share"], "days": 30}, headers=headers)
    assert granted.status_code == 201
    grant = granted.json()
    assert grant["scopes"] == ["marketing:offers", "support:share"] and grant["channel"] == "web"
    revoked = client.delete(f"{BASE}/{grant['id']}", headers=headers)
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    assert grant["id"] not in [g["id"] for g in client.get(BASE, headers=headers).json()]
    assert grant["id"] in [g["id"] for g in client.get(f"{BASE}?status=all", headers=headers).json()]
    events = [(e["consent_id"], e["event"]) for e in client.get(f"{BASE}/history", headers=headers).json()]
    assert (grant["id"], "grant") in events and (grant["id"], "revoke") in events
    with api_runtime.db.session() as session:
        audited = session.scalars(select(AuditEvent.decision).where(AuditEvent.kind == "consent",
                                                                    AuditEvent.customer_id == "demo-debt")).all()
    assert audited == ["granted", "revoked"]


def test_deny_is_recorded_and_counted(client, tokens, api_runtime):
    before = metric(client, "copilot_consent_denials_total", scope="cards:manage", source="customer")
    response = client.post(f"{BASE}/decline", json={"scopes": ["cards:manage"]}, headers=tokens.customer())
    assert response.status_code == 204
    assert metric(client, "copilot_consent_denials_total", scope="cards:manage", source="customer") == before + 1
    with api_runtime.db.session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.decision == "declined"))
    assert event.scopes == ["cards:manage"] and event.actor == "customer:demo-debt"


def test_invalid_consent_requests_are_422_or_404(client, tokens):
    headers = tokens.customer()
    assert client.post(BASE, json={"scopes": ["bank:everything"]}, headers=headers).status_code == 422
    assert client.post(BASE, json={"scopes": []}, headers=headers).status_code == 422
    assert client.post(BASE, json={"scopes": ["support:share"], "days": 0}, headers=headers).status_code == 422
    missing = client.delete(f"{BASE}/cns-nope", headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "not_found"
