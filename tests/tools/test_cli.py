"""`copilot tools ...` and `copilot consent ...` on a copy of the demo bank: JSON out, one-line errors, exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from copilot.cli.main import app
from tests.conftest import AS_OF, CLOCK

cli = CliRunner()


@pytest.fixture
def bank(runtime, monkeypatch):
    """The CLI pointed at the test's copy of the seeded demo bank, on the frozen clock."""
    monkeypatch.setenv("COPILOT_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("COPILOT_CLOCK", CLOCK)
    monkeypatch.setenv("COPILOT_DEMO_AS_OF", AS_OF.isoformat())
    return runtime


def run(*args: str):
    return cli.invoke(app, list(args))


def test_tools_list_shows_every_tool_with_scopes_and_kind(bank):
    result = run("tools", "list")
    assert result.exit_code == 0
    for name in ("get_balances", "debt_payoff_plan", "freeze_card", "search_knowledge", "handoff_to_agent"):
        assert name in result.output
    assert "cards:manage" in result.output and "write" in result.output


def test_tools_call_prints_the_result_json(bank):
    result = run("tools", "call", "debt_payoff_plan", "--customer", "demo-debt", "--args",
                 '{"debts":[{"name":"Visa","balance":5000,"apr":19.99,"min_payment":100}],"monthly_payment":600}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["months"] == 10, "the contract: the tool result itself"
    outcome = json.loads(run("tools", "call", "get_balances", "-c", "demo-debt", "--outcome").output)
    assert outcome["status"] == "ok" and outcome["allowed"] and "accounts" in outcome["result"]


@pytest.mark.parametrize("args, message", [
    (("tools", "call", "wire_money", "--customer", "demo-debt"), "unknown tool 'wire_money'"),
    (("tools", "call", "get_balances", "--customer", "nobody"), "unknown customer 'nobody'"),
    (("tools", "call", "get_balances", "--customer", "demo-debt", "--args", "{oops"), "--args is not valid JSON"),
    (("tools", "call", "get_balances", "--customer", "demo-debt", "--args", "[1]"), "must be a JSON object"),
    (("tools", "call", "search_transactions", "-c", "demo-debt", "--args", '{"limit": 0}'), "limit: Input should be"),
    (("tools", "confirm", "act-missing", "--customer", "demo-debt"), "no pending action 'act-missing'"),
])
def test_mistakes_exit_2_with_one_clear_line(bank, args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_consent_refusal_prints_the_consent_required_json(bank):
    result = run("tools", "call", "freeze_card", "-c", "demo-debt", "--args", '{"card": "visa"}')
    assert result.exit_code == 0
    refusal = json.loads(result.output)
    assert refusal["status"] == "consent_required" and refusal["scopes"] == ["cards:manage"]


def test_grant_propose_confirm_revoke_round_trip(bank):
    assert run("consent", "grant", "-c", "demo-debt", "--scopes", "cards:manage", "--days", "30").exit_code == 0
    proposed = json.loads(run("tools", "call", "freeze_card", "-c", "demo-debt", "--args",
                              '{"card": "visa", "reason": "lost"}', "--outcome").output)
    assert proposed["status"] == "confirm"
    action_id = proposed["pending_action"]["id"]
    assert json.loads(run("tools", "pending", "-c", "demo-debt").output)[0]["id"] == action_id
    done = json.loads(run("tools", "confirm", action_id, "-c", "demo-debt").output)
    assert done["status"] == "ok" and done["result"]["status"] == "frozen"
    assert json.loads(run("tools", "confirm", action_id, "-c", "demo-debt").output)["replayed"] is True
    listed = json.loads(run("consent", "list", "-c", "demo-debt", "--json").output)
    assert "cards:manage" in listed["active_scopes"]
    assert "revoked" in run("consent", "revoke", "-c", "demo-debt", "--scopes", "cards:manage").output
    history = json.loads(run("consent", "history", "-c", "demo-debt", "--json").output)
    assert [row["event"] for row in history][-2:] == ["grant", "revoke"]
    assert run("consent", "revoke", "-c", "demo-debt").exit_code == 2, "needs --scopes or --consent"
    bad = run("consent", "grant", "-c", "demo-debt", "--scopes", "money:spend")
    assert bad.exit_code == 2 and "unknown consent scope" in bad.output


def test_fraud_score_reports_precision_and_recall(bank):
    result = run("tools", "fraud-score")
    assert result.exit_code == 0 and "recall 100.00%" in result.output and "precision" in result.output
