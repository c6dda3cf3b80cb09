"""The consent gate and ledger: fail closed on missing, revoked, expired and out-of-window consent, every call."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from copilot import consent
from copilot.store.models import ConsentEvent
from tests.tools.conftest import ALL_SCOPES, audit_count, call, grant, ok, revoke
from tools import REGISTRY

ONBOARDING = ["accounts:read", "transactions:read", "credit:read", "insights:personalize"]


@pytest.fixture
def spy(monkeypatch):
    """Counts how often each tool body really runs."""
    runs: dict[str, int] = {}

    def wrap(name: str) -> None:
        spec = REGISTRY[name]

        def counted(call_, args):
            runs[name] = runs.get(name, 0) + 1
            return spec.func(call_, args)

        monkeypatch.setitem(REGISTRY, name, replace(spec, func=counted))

    for name in REGISTRY:
        wrap(name)
    return runs


def test_missing_scope_is_refused_with_purpose_and_how_to_grant(runtime, ctx, spy):
    outcome = call(ctx, "freeze_card", card="visa")
    assert outcome.status == "consent_required" and outcome.allowed is False
    assert outcome.consent["scopes"] == ["cards:manage"] and outcome.consent["reason"] == "missing"
    assert outcome.consent["purposes"]["cards:manage"] == consent.SCOPES["cards:manage"]
    assert "copilot consent grant --customer demo-debt --scopes cards:manage" in outcome.consent["how_to_grant"]
    assert outcome.pending_action is None and spy == {}


def test_revocation_bites_on_the_very_next_call_mid_conversation(runtime, make_ctx, spy):
    ctx = make_ctx(conversation_id=None)
    assert call(ctx, "search_transactions", merchant="netflix").status == "ok"
    revoke(runtime, "demo-debt", ["transactions:read"])
    refused = call(ctx, "search_transactions", merchant="netflix")
    assert refused.status == "consent_required" and refused.consent["reason"] == "revoked"
    assert spy["search_transactions"] == 1, "the tool must not run after revocation"
    assert call(ctx, "get_balances").status == "ok", "the other scopes of the revoked grant stay granted"
    grant(runtime, "demo-debt", ["transactions:read"])
    assert call(ctx, "search_transactions", merchant="netflix").status == "ok"


def test_expiry_bites_when_the_clock_passes_it_and_is_recorded_once(runtime, make_ctx, spy):
    now = runtime.settings.now()
    grant(runtime, "demo-debt", ["cards:manage"], days=1)
    assert call(make_ctx(now=now + timedelta(hours=23)), "freeze_card", card="visa").status == "confirm"
    later = make_ctx(now=now + timedelta(days=1, minutes=1))
    for _ in range(2):
        outcome = call(later, "freeze_card", card="visa")
        assert outcome.status == "consent_required" and outcome.consent["reason"] == "expired"
    with runtime.db.session() as session:
        expiries = session.scalars(select(ConsentEvent).where(ConsentEvent.customer_id == "demo-debt",
                                                              ConsentEvent.event == "expire")).all()
    assert len(expiries) == 1 and "cards:manage" in expiries[0].detail["scopes"]


def test_lookback_window_clamps_history_and_refuses_older_periods(runtime, make_ctx):
    revoke(runtime, "demo-debt", ["transactions:read"])
    grant(runtime, "demo-debt", ["transactions:read"], lookback_days=30)
    ctx = make_ctx()
    visible = (ctx.now - timedelta(days=30)).date()
    found = ok(ctx, "search_transactions", period="last_90_days", limit=100)
    assert found["period"]["visible_from"] == visible.isoformat()
    assert min(t["date"] for t in found["transactions"]) >= visible.isoformat()
    old = call(ctx, "search_transactions", start_date="2026-05-01", end_date="2026-05-31")
    assert old.status == "consent_required" and old.consent["reason"] == "out_of_window"
    assert old.consent["visible_from"] == visible.isoformat() and old.consent["scopes"] == ["transactions:read"]
    assert audit_count(runtime, name="search_transactions", decision="denied") == 1
    summary = ok(ctx, "spending_summary", period="last_month")
    assert summary["period"]["visible_from"] == visible.isoformat()
    assert "previous" not in summary, "no comparison with periods the customer did not share"


def test_support_agent_also_needs_the_customers_support_share(runtime, make_ctx, spy):
    agent = make_ctx(role="support_agent")
    refused = call(agent, "get_balances")
    assert refused.status == "consent_required" and refused.consent["scopes"] == ["support:share"]
    assert spy == {}
    grant(runtime, "demo-debt", ["support:share"])
    assert call(agent, "get_balances").status == "ok"
    assert audit_count(runtime, role="support_agent", name="get_balances") == 2


def test_hypothetical_inputs_and_knowledge_need_no_consent(runtime, ctx):
    revoke(runtime, "demo-debt", ONBOARDING)
    plan = call(ctx, "debt_payoff_plan", debts=[{"name": "Visa", "balance": 5000, "apr": 19.99, "min_payment": 100}],
                monthly_payment=600)
    assert plan.status == "ok" and plan.allowed
    assert call(ctx, "savings_goal_plan", target_amount=1200, months=12, pay_cadence="monthly").status == "ok"
    assert call(ctx, "handoff_to_agent", reason="wants to talk to a person").status == "ok"
    own = call(ctx, "debt_payoff_plan", monthly_payment=600)
    assert own.status == "consent_required" and own.consent["scopes"] == ["credit:read"]


def test_the_gate_fails_closed_when_the_ledger_cannot_be_read(runtime, ctx, spy, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr("tools.runner.consent.evaluate", broken)
    outcome = call(ctx, "get_balances")
    assert outcome.status == "error" and outcome.allowed is False and spy == {}
    assert audit_count(runtime, name="get_balances", decision="error") == 1


def test_ledger_rejects_bad_grants_and_keeps_an_append_only_history(runtime):
    now = runtime.settings.now()
    with runtime.db.session() as session:
        with pytest.raises(consent.ConsentError, match="unknown consent scope"):
            consent.grant(session, "demo-gig", ["money:spend"], now=now)
        with pytest.raises(consent.ConsentError, match="at least one day"):
            consent.grant(session, "demo-gig", ["goals:write"], now=now, days=0)
        with pytest.raises(consent.ConsentError, match="unknown customer"):
            consent.grant(session, "nobody", ["goals:write"], now=now)
        with pytest.raises(consent.ConsentError, match="no consent"):
            consent.revoke(session, "demo-gig", "demo-debt-cns-onboarding", now=now, actor="customer:demo-gig")
    grant(runtime, "demo-gig", ALL_SCOPES)
    revoke(runtime, "demo-gig", ["marketing:offers"])
    with runtime.db.session() as session:
        events = [(e.event, tuple(e.detail["scopes"])) for e in consent.history(session, "demo-gig")]
        state = consent.current_state(session, "demo-gig", now)
    assert [e for e, _ in events] == ["grant", "grant", "revoke", "grant"], "only the grant carrying the scope"
    assert "marketing:offers" not in events[-1][1] and "support:share" in events[-1][1]
    assert "marketing:offers" not in state.scopes and "support:share" in state.scopes
    assert state.earliest_visible(now).date() == date(2025, 11, 28)
