"""Bearer tokens: hashed at rest, refused cleanly when missing/unknown/revoked/expired, roles enforced, rate limited,
demo tokens only in demo mode, admins mint and revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select

from copilot.api.app import create_app
from copilot.api.auth import bootstrap_admin, hash_secret, mint, mint_demo_tokens
from copilot.api.settings import ApiSettings
from copilot.config import load_settings
from copilot.runtime import Runtime
from copilot.store.models import ApiToken
from tests.api.conftest import CUSTOMERS, error_code, metric


def test_a_token_is_stored_only_as_its_sha256(api_runtime):
    with api_runtime.db.session() as session:
        secret, token = mint(session, "customer", "demo-debt", now=api_runtime.settings.now(), days=1)
        stored = session.scalars(select(ApiToken)).all()
    assert token.token_hash == hash_secret(secret)
    assert all(secret not in (row.token_hash, row.label, row.subject) for row in stored)


@pytest.mark.parametrize("case, expected", [("missing", "unauthorized"), ("unknown", "invalid_token"),
                                            ("revoked", "invalid_token"), ("expired", "token_expired"),
                                            ("not bearer", "unauthorized")])
def test_bad_credentials_are_401_with_a_reason(client, api_runtime, case, expected):
    now = api_runtime.settings.now()
    with api_runtime.db.session() as session:
        secret, token = mint(session, "customer", "demo-debt", now=now - timedelta(days=3), days=1)
        if case == "revoked":
            secret, token = mint(session, "customer", "demo-debt", now=now, days=1)
            token.revoked = True
    headers = {"missing": {}, "unknown": {"Authorization": "Bearer cpt_nope"},
               "not bearer": {"Authorization": f"Basic {secret}"}}.get(case, {"Authorization": f"Bearer {secret}"})
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401 and error_code(response) == expected
    assert response.headers["www-authenticate"] == "Bearer"


def test_roles_are_enforced(client, tokens):
    customer, agent, admin = tokens.customer(), tokens.agent(), tokens.admin()
    assert client.get("/api/assist/handoffs", headers=customer).status_code == 403
    assert client.get("/api/customers/demo-debt/consents", headers=agent).status_code == 403
    assert client.post("/api/conversations", headers=agent).status_code == 403
    escalate = client.post("/api/admin/tokens", json={"role": "admin", "subject": "me"}, headers=customer)
    assert escalate.status_code == 403
    assert client.get("/api/assist/handoffs", headers=admin).status_code == 403
    assert client.get("/api/me", headers=agent).json() == {"role": "support_agent", "subject": "alice",
                                                          "actor": "agent:alice", "poll_seconds": 3.0}


def test_admin_mints_lists_and_revokes_tokens(client, tokens):
    admin = tokens.admin()
    minted = client.post("/api/admin/tokens", json={"role": "customer", "subject": "demo-gig", "days": 2},
                         headers=admin)
    assert minted.status_code == 201 and minted.json()["secret"].startswith("cpt_")
    new = {"Authorization": f"Bearer {minted.json()['secret']}"}
    assert client.get("/api/me", headers=new).json()["subject"] == "demo-gig"
    listed = client.get("/api/admin/tokens", headers=admin).json()
    assert minted.json()["id"] in [t["id"] for t in listed] and all(t["secret"] is None for t in listed)
    assert client.delete(f"/api/admin/tokens/{minted.json()['id']}", headers=admin).json()["revoked"] is True
    assert error_code(client.get("/api/me", headers=new)) == "invalid_token"
    unknown = client.post("/api/admin/tokens", json={"role": "customer", "subject": "nobody"}, headers=admin)
    assert unknown.status_code == 422 and "unknown customer" in unknown.json()["error"]["message"]
    assert client.delete("/api/admin/tokens/999999", headers=admin).status_code == 404


def test_rate_limit_is_per_token_with_retry_after(api_runtime, tokens):
    app = create_app(runtime=api_runtime, api_settings=ApiSettings(rate_per_minute=60, rate_burst=3, warmup=False))
    with TestClient(app) as client:
        first, second = tokens.customer("demo-debt"), tokens.customer("demo-gig")
        before = metric(client, "copilot_rate_limited_total")
        codes = [client.get("/api/me", headers=first).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/me", headers=first)
        assert error_code(limited) == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        assert client.get("/api/me", headers=second).status_code == 200, "another token has its own budget"
        assert metric(client, "copilot_rate_limited_total") == before + 2


def test_demo_tokens_only_in_demo_mode(api_runtime, tmp_path):
    issued = mint_demo_tokens(api_runtime, days=1)
    assert sorted(t.subject for t in issued if t.role == "customer") == sorted(CUSTOMERS)
    assert [t.role for t in issued if t.role != "customer"] == ["support_agent", "admin"]
    again = mint_demo_tokens(api_runtime, days=1)
    with api_runtime.db.session() as session:
        live = {t.token_hash for t in session.scalars(select(ApiToken).where(ApiToken.revoked.is_(False)))}
    assert {hash_secret(t.secret) for t in again} <= live and not {hash_secret(t.secret) for t in issued} & live
    production = Runtime(load_settings(**{**api_runtime.settings.model_dump(), "demo_mode": False,
                                          "vault_key": Fernet.generate_key().decode()}))
    with pytest.raises(RuntimeError, match="only minted in demo mode"):
        mint_demo_tokens(production, days=1)


def test_bootstrap_admin_only_when_no_admin_token_is_live(api_runtime):
    secret = bootstrap_admin(api_runtime, days=1)
    assert secret and secret.startswith("cpt_")
    assert bootstrap_admin(api_runtime, days=1) is None
