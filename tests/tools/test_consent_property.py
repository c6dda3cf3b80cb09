"""Property-based (hypothesis, stateful): random grant / revoke / expire / call / confirm sequences.

An independent model of the ledger predicts, for every call, whether consent is valid. The properties:
no tool body ever runs without valid consent; every call leaves exactly one audit event; a write never takes
effect without confirmation and never twice.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, \
    run_state_machine_as_test
from sqlalchemy import func, select

from copilot import consent
from copilot.context import ToolContext
from copilot.store.db import Database
from copilot.store.models import AuditEvent, Consent, SavingsGoal
from tests.conftest import make_settings
from tools import REGISTRY, confirm_action, run_tool

CUSTOMER = "demo-debt"
SCOPES = ["accounts:read", "transactions:read", "credit:read", "goals:write", "support:share"]
CALLS = {  # tool -> (arguments, scopes it needs)
    "get_balances": ({}, {"accounts:read"}),
    "search_transactions": ({"period": "last_7_days", "limit": 1}, {"transactions:read"}),
    "debt_payoff_plan": ({"monthly_payment": 900}, {"credit:read"}),
    "create_savings_goal": ({"target_amount": 500, "contribution": 50}, {"goals:write"}),
}
TTL = timedelta(minutes=30)


@dataclass
class ModelGrant:
    scopes: frozenset[str]
    expires: datetime
    revoked: bool = False

    def active(self, now: datetime) -> bool:
        return not self.revoked and self.expires > now


@dataclass
class ModelAction:
    created: datetime
    executed: bool = False
    expired: bool = False


def test_no_tool_runs_without_valid_consent(seeded_sqlite_template, tmp_path_factory, monkeypatch):
    runs: list[tuple[str, frozenset[str]]] = []          # (tool, scopes the model says are active) per body run
    model_scopes: dict[str, frozenset[str]] = {}
    seen: dict[str, int] = {}                             # outcome statuses: the sequences must explore them all

    def spy(name: str):
        spec = REGISTRY[name]

        def counted(call, args):
            runs.append((name, model_scopes["now"]))
            return spec.func(call, args)
        return replace(spec, func=counted)

    for tool_name in CALLS:
        monkeypatch.setitem(REGISTRY, tool_name, spy(tool_name))

    class Ledger(RuleBasedStateMachine):
        @initialize(start_with=st.sets(st.sampled_from(SCOPES)))
        def open_bank(self, start_with):
            folder = tmp_path_factory.mktemp("prop")
            shutil.copy(seeded_sqlite_template, folder / "bank.db")
            self.settings = make_settings(folder)
            self.db = Database(f"sqlite:///{folder / 'bank.db'}")
            self.now = self.settings.now()
            with self.db.session() as session:
                onboarding = session.get(Consent, f"{CUSTOMER}-cns-onboarding")
                self.grants = [ModelGrant(frozenset(onboarding.scopes), onboarding.expires_at)]
                self.audits = session.scalar(select(func.count()).select_from(AuditEvent))
            self.actions: dict[str, ModelAction] = {}
            self.runs_before = len(runs)
            if start_with:
                self.grant(start_with, days=7)

        def teardown(self):
            if hasattr(self, "db"):
                self.db.dispose()

        def active(self) -> frozenset[str]:
            return frozenset(s for g in self.grants if g.active(self.now) for s in g.scopes)

        def context(self, role: str = "customer") -> ToolContext:
            model_scopes["now"] = self.active()
            return ToolContext(db=self.db, settings=self.settings, customer_id=CUSTOMER, role=role,
                               actor="agent:bo" if role == "support_agent" else f"customer:{CUSTOMER}", now=self.now)

        def goals(self) -> int:
            with self.db.session() as session:
                return session.scalar(select(func.count()).select_from(SavingsGoal)
                                      .where(SavingsGoal.customer_id == CUSTOMER))

        @rule(scopes=st.sets(st.sampled_from(SCOPES), min_size=1), days=st.integers(1, 20))
        def grant(self, scopes, days):
            with self.db.session() as session:
                consent.grant(session, CUSTOMER, sorted(scopes), now=self.now, days=days)
            self.grants.append(ModelGrant(frozenset(scopes), self.now + timedelta(days=days)))

        @rule(scope=st.sampled_from(SCOPES))
        def revoke(self, scope):
            with self.db.session() as session:
                consent.revoke_scopes(session, CUSTOMER, [scope], now=self.now, actor=f"customer:{CUSTOMER}")
            for old in [g for g in self.grants if g.active(self.now) and scope in g.scopes]:
                old.revoked = True
                if old.scopes - {scope}:
                    days = max((old.expires - self.now).days, 1)
                    self.grants.append(ModelGrant(old.scopes - {scope}, self.now + timedelta(days=days)))

        @rule(hours=st.integers(1, 24 * 12))
        def time_passes(self, hours):
            self.now += timedelta(hours=hours)

        @rule(minutes=st.integers(1, 40))
        def a_few_minutes_pass(self, minutes):
            self.now += timedelta(minutes=minutes)

        @rule(tool=st.sampled_from(sorted(CALLS)))
        def call(self, tool):
            args, needed = CALLS[tool]
            if tool == "create_savings_goal":
                args = {**args, "name": f"goal {uuid.uuid4().hex[:6]}"}
            valid = needed <= self.active()
            outcome = run_tool(self.context(), tool, args)
            self.audits += 1
            seen[outcome.status] = seen.get(outcome.status, 0) + 1
            assert outcome.allowed == valid, (tool, outcome.status, outcome.error, sorted(self.active()))
            if not valid:
                assert outcome.status == "consent_required" and set(outcome.consent["scopes"]) == needed - self.active()
            elif tool == "create_savings_goal":
                assert outcome.status == "confirm"
                self.actions[outcome.pending_action["id"]] = ModelAction(self.now)
            else:
                assert outcome.status == "ok", outcome.error

        @rule()
        def agent_looks_at_balances(self):
            valid = {"accounts:read", "support:share"} <= self.active()
            outcome = run_tool(self.context("support_agent"), "get_balances", {})
            self.audits += 1
            assert outcome.allowed == valid and (outcome.status == "ok") == valid

        @rule(twice=st.booleans())
        def ask_and_confirm_at_once(self, twice):
            self.call("create_savings_goal")
            if self.actions:
                for _ in range(2 if twice else 1):
                    self.confirm_one(max(self.actions, key=lambda a: self.actions[a].created))

        @precondition(lambda self: getattr(self, "actions", None))
        @rule(data=st.data())
        def confirm(self, data):
            self.confirm_one(data.draw(st.sampled_from(list(self.actions))))

        def confirm_one(self, action_id: str):
            action = self.actions[action_id]
            before = self.goals()
            outcome = confirm_action(self.context(), action_id)
            self.audits += 1
            seen[f"confirm:{outcome.status}"] = seen.get(f"confirm:{outcome.status}", 0) + 1
            if action.executed:
                assert outcome.status == "ok" and outcome.replayed
            elif action.expired or self.now >= action.created + TTL:
                action.expired = True
                assert outcome.status == "error" and "expired" in outcome.error
            elif "goals:write" not in self.active():
                assert outcome.status == "consent_required"
            else:
                assert outcome.status == "ok" and not outcome.replayed
                action.executed = True
            assert self.goals() - before == (1 if outcome.status == "ok" and not outcome.replayed else 0)

        @invariant()
        def bodies_ran_only_with_consent_and_writes_only_once(self):
            for tool, active in runs[self.runs_before:]:
                assert CALLS[tool][1] <= active, f"{tool} ran with only {sorted(active)}"
            assert self.goals() == sum(a.executed for a in self.actions.values())

        @invariant()
        def every_call_left_one_audit_event(self):
            with self.db.session() as session:
                assert session.scalar(select(func.count()).select_from(AuditEvent)) == self.audits

    run_state_machine_as_test(Ledger, settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                                                        derandomize=True, database=None,
                                                        suppress_health_check=[HealthCheck.too_slow]))
    assert {"ok", "consent_required", "confirm", "confirm:ok", "confirm:error"} <= set(seen), seen
