"""The registry and runner: the 26 contract tools (17, and 9 that move money) and the extra reads, LLM schemas, repairable argument errors, audit
on every call."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from copilot.consent import SCOPES
from copilot.store.models import AuditEvent
from tests.tools.conftest import audit_count, call, ok
from tools import CONTRACT_TOOLS, REGISTRY, openai_tool_schemas

WRITES = {"set_budget", "create_savings_goal", "freeze_card", "unfreeze_card", "dispute_transaction",
          "transfer_between_accounts", "pay_card", "pay_bill", "send_money", "add_payee", "schedule_transfer",
          "cancel_scheduled"}


EXTRA_READS = ["list_disputes", "list_savings_goals"]


def test_every_contract_tool_is_registered_with_valid_scopes():
    assert list(REGISTRY) == [*CONTRACT_TOOLS, *EXTRA_READS] and len(CONTRACT_TOOLS) == 26
    assert {name for name, spec in REGISTRY.items() if spec.writes} == WRITES
    for spec in REGISTRY.values():
        assert set(spec.scopes) <= set(SCOPES), spec.name
        assert len(spec.description) > 80, f"{spec.name} needs a description an LLM can choose by"
    assert REGISTRY["search_knowledge"].scopes == () and REGISTRY["handoff_to_agent"].scopes == ()


def test_openai_schemas_are_function_tools_with_described_parameters():
    schemas = openai_tool_schemas()
    assert [s["function"]["name"] for s in schemas] == [*CONTRACT_TOOLS, *EXTRA_READS]
    for schema in schemas:
        assert schema["type"] == "function"
        params = schema["function"]["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        text = json.dumps(params)
        assert "$ref" not in text and "$defs" not in params, "schemas must be flat for small models"
        assert '"null"' not in text, "optional arguments are simply left out, never sent as null"
        for prop in params["properties"].values():
            assert prop.get("description") or prop.get("enum"), f"{schema['function']['name']}: undocumented {prop}"
    debt = next(s for s in schemas if s["function"]["name"] == "debt_payoff_plan")["function"]["parameters"]
    item = debt["properties"]["debts"]["items"]
    assert set(item["properties"]) == {"name", "balance", "apr", "min_payment"}
    assert item["required"] == ["name", "balance", "apr"] and "debts" not in debt.get("required", [])
    assert openai_tool_schemas(["get_balances"])[0]["function"]["name"] == "get_balances"
    with pytest.raises(KeyError):
        openai_tool_schemas(["no_such_tool"])


def test_unknown_tool_is_not_found_and_audited(runtime, ctx):
    outcome = call(ctx, "transfer_money", amount=100)
    assert outcome.status == "not_found" and not outcome.allowed
    assert "get_balances" in outcome.error, "the error should list the tools that exist"
    assert audit_count(runtime, name="transfer_money", decision="not_found") == 1


@pytest.mark.parametrize("name, args, fragment", [
    ("search_transactions", {"min_amount": -5}, "min_amount"),
    ("search_transactions", {"limit": 1000}, "limit"),
    ("search_transactions", {"min_amount": 50, "max_amount": 10}, "min_amount is larger than max_amount"),
    ("debt_payoff_plan", {"strategy": "custom"}, "needs `order`"),
    ("debt_payoff_plan", {"debts": [{"name": "Visa", "balance": "lots", "apr": 20}]}, "debts.0.balance"),
    ("set_budget", {"category": "dining"}, "monthly_limit: Field required"),
    ("get_balances", {"colour": "blue"}, "colour: Extra inputs are not permitted"),
    ("spending_summary", {"period": "the olden days"}, "unknown period"),
    ("spending_summary", {"category": "yachts"}, "unknown category 'yachts'"),
])
def test_bad_arguments_come_back_as_repairable_messages(runtime, ctx, name, args, fragment):
    outcome = call(ctx, name, **args)
    assert outcome.status == "invalid_args", outcome
    assert fragment in outcome.error
    assert outcome.result is None and outcome.pending_action is None
    assert audit_count(runtime, name=name, decision="invalid_args") == 1


def test_arguments_that_are_not_an_object_are_invalid(ctx):
    from tools import run_tool
    outcome = run_tool(ctx, "get_balances", ["not", "a", "dict"])
    assert outcome.status == "invalid_args" and "JSON object" in outcome.error


def test_unknown_customer_is_not_found(make_ctx):
    outcome = call(make_ctx("nobody"), "debt_payoff_plan",
                   debts=[{"name": "Visa", "balance": 100, "apr": 10, "min_payment": 25}])
    assert outcome.status == "not_found" and "nobody" in outcome.error


def test_every_call_leaves_one_audit_event_with_who_what_and_a_digest(runtime, ctx):
    before = audit_count(runtime)
    call(ctx, "get_balances")
    call(ctx, "set_budget", category="dining", monthly_limit=300)          # refused: no budgets:write
    call(ctx, "search_transactions", limit=0)                              # invalid
    assert audit_count(runtime) == before + 3
    with runtime.db.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()[::-1]
    balances, refused, invalid = events
    assert (balances.actor, balances.role, balances.customer_id, balances.kind) == \
        ("customer:demo-debt", "customer", "demo-debt", "tool_call")
    assert balances.decision == "allowed" and balances.scopes == ["accounts:read"]
    assert len(balances.args_digest) == 64 and balances.latency_ms is not None and balances.latency_ms >= 0
    assert "accounts[" in balances.summary and "1843" not in balances.summary, "audit keeps shape, not balances"
    assert refused.decision == "denied" and refused.scopes == ["budgets:write"]
    assert refused.detail["consent_reason"] == "missing"
    assert invalid.decision == "invalid_args"


def test_outcomes_are_json_serialisable_and_carry_latency(ctx):
    outcome = call(ctx, "upcoming_bills")
    data = json.loads(outcome.model_dump_json())
    assert data["status"] == "ok" and data["allowed"] is True and data["latency_ms"] > 0


def test_get_balances_never_reads_transactions(runtime, ctx):
    statements: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(runtime.db.engine, "before_cursor_execute", spy)
    try:
        ok(ctx, "get_balances")
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", spy)
    assert statements, "the spy saw no SQL"
    assert not [s for s in statements if "from transactions" in s], "a balance question must not pull history"


def test_a_crashing_tool_fails_closed_with_an_error_outcome(runtime, ctx, monkeypatch):
    spec = REGISTRY["get_balances"]

    def broken(call, args):
        raise RuntimeError("database on fire")

    monkeypatch.setitem(REGISTRY, "get_balances", spec.__class__(**{**spec.__dict__, "func": broken}))
    outcome = call(ctx, "get_balances")
    assert outcome.status == "error" and "nothing was changed" in outcome.error
    assert "on fire" not in outcome.error, "internal details stay in the log"
    assert audit_count(runtime, name="get_balances", decision="error") == 1
