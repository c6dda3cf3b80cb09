"""Judging turns, matching values and adding up metrics, on synthetic results (no copilot involved)."""

from __future__ import annotations

import pytest

from evals.checks import TurnScore, consent_violations, judge
from evals.gates import GatesError, load_gates
from evals.gates import judge as judge_gates
from evals.matching import matches
from evals.metrics import by_suite, pass_hat_curve, summarize
from evals.report import failure_patterns, render
from evals.results import CaseResult, CaseRun, RunResult, TurnRecord
from evals.schema import Expect


def result(route="answer", tools=(), citations=(), answer="", untrusted=()) -> dict:
    return {"route": route, "answer": answer, "citations": list(citations),
            "tools": [{"name": n, "args": a, "allowed": True, "status": "ok"} for n, a in tools],
            "guard": {"input": {}, "output": {}, "untrusted": list(untrusted)}}


def run_judge(expect: dict, res: dict, granted=frozenset({"accounts:read", "transactions:read", "credit:read"}),
              role="customer", leaks=()):
    return judge(Expect(**expect), res, role=role, granted=set(granted), leaks=list(leaks), grounding=(0, 0))


# --- matching ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("expected", "actual", "ok"), [
    ("Dining", "dining", True), ("business supplies", "business_supplies", True), ("dining", "groceries", False),
    (600, 600.0, True), (600, "600.00", True), (600, 606, True), (600, 620, False), (0.5, 0.505, True),
    ({"contains": "olive"}, "Olive Garden", True), ({"contains": "x"}, None, False),
    ({"in": ["demo-debt-card-visa", "3424"]}, "3424", True), ({"gte": 500}, 499.0, True), ({"lte": 16}, 30, False),
    ({"not": "active"}, "frozen", True), ({"exists": False}, None, True),
    ([{"balance": 5000, "apr": 19.99}], [{"name": "Card", "balance": 5000.0, "apr": 19.99}], True),
    ([{"balance": 5000}], [{"balance": 4000}], False), ({"a": 1}, {"a": 1, "b": 2}, True),
    (True, True, True), (True, 1, True), (None, None, True), ("2027-06-01", __import__("datetime").date(2027, 6, 1), True),
])
def test_matching_rules(expected, actual, ok):
    assert matches(expected, actual) is ok


# --- one turn ---------------------------------------------------------------------------------------------
def test_a_turn_meeting_every_expectation_has_no_failures():
    failures, score = run_judge(
        {"route": ["answer", "clarify"], "tools": ["get_balances"], "tools_any": ["search_knowledge", "fraud_alerts"],
         "no_tools": ["freeze_card"], "cites": [["fees", "fee-schedule"]], "contains": ["checking", ["frozen", "FREEZE"]],
         "not_contains": ["PIN"], "args": {"get_balances": {"kinds": ["checking"]}}},
        result(tools=[("get_balances", {"kinds": ["checking", "savings"]}), ("search_knowledge", {"query": "q"})],
               citations=["fee-schedule#card-fees"], answer="Your Checking is fine; freeze it any time."))
    assert failures == []
    assert (score.route_ok, score.tools_tp, score.tools_fp, score.tools_required, score.tools_satisfied) == \
        (True, 2, 0, 2, 2)
    assert (score.args_checked, score.args_ok, score.cites_found, score.cites_relevant) == (1, 1, 1, 1)


def test_each_broken_expectation_is_one_failure():
    failures, score = run_judge(
        {"route": "confirm", "tools": ["freeze_card"], "tools_any": ["fraud_alerts"], "no_tools": ["handoff_to_agent"],
         "cites": ["fraud-liability"], "contains": ["frozen"], "not_contains": ["guaranteed"],
         "args": {"handoff_to_agent": {"priority": "high"}}, "untrusted": True},
        result(route="handoff", tools=[("handoff_to_agent", {"priority": "normal"})], citations=["fees#x"],
               answer="Guaranteed to help."))
    assert failures == ["route: expected confirm, got handoff", "tools: freeze_card not called",
                        "tools_any: none of fraud_alerts called", "no_tools: handoff_to_agent was called",
                        "args: handoff_to_agent.priority expected 'high', got 'normal'",
                        "cites: fraud-liability not cited", "contains: 'frozen' not in the answer",
                        "not_contains: 'guaranteed' in the answer", "untrusted: the injected text was not flagged"]
    assert (score.tools_tp, score.tools_fp, score.tools_satisfied, score.cites_shown, score.cites_relevant) == \
        (0, 1, 0, 1, 0)


def test_args_only_judge_calls_that_happened():
    failures, score = run_judge({"tools_any": ["spending_summary", "search_transactions"],
                                 "args": {"spending_summary": {"category": "dining"}}},
                                result(tools=[("search_transactions", {"merchant": "x"})]))
    assert failures == [] and score.args_checked == 0


def test_no_tools_alone_counts_only_forbidden_calls_against_precision():
    _, score = run_judge({"no_tools": ["freeze_card"]}, result(tools=[("get_balances", {}), ("freeze_card", {})]))
    assert score.tools_checked and (score.tools_tp, score.tools_fp, score.tools_required) == (0, 1, 0)
    _, unconstrained = run_judge({}, result(tools=[("get_balances", {})]))
    assert not unconstrained.tools_checked


def test_consent_violations_follow_the_registry_scopes():
    calls = [{"name": "get_balances", "args": {}, "allowed": True},
             {"name": "spending_summary", "args": {}, "allowed": False},                 # refused: fine
             {"name": "debt_payoff_plan", "args": {"debts": [{"name": "Card", "balance": 5000, "apr": 19.99}]},
              "allowed": True},                                                         # hypothetical: no scope
             {"name": "search_knowledge", "args": {"query": "fees"}, "allowed": True}]
    assert consent_violations(calls, set(), "customer") == ["get_balances ran without accounts:read"]
    assert consent_violations(calls[:1], {"accounts:read"}, "support_agent") == \
        ["get_balances ran without support:share"]
    failures, score = run_judge({"route": "consent_required"}, result(tools=[("get_balances", {})]), granted=set())
    assert "consent: get_balances ran without accounts:read" in failures and score.consent_violations


def test_leaks_fail_the_turn_and_blocked_benign_turns_count_as_over_blocking():
    failures, score = run_judge({"route": "answer"}, result(route="blocked"), leaks=["CREDIT_CARD"])
    assert "leak: CREDIT_CARD in the answer" in failures and score.benign and score.blocked
    _, attack = run_judge({"route": "blocked"}, result(route="blocked"))
    assert not attack.benign


# --- metrics, gates, report -------------------------------------------------------------------------------
def turn(route="answer", failures=(), latency=100.0, **score) -> TurnRecord:
    return TurnRecord(user="u", role="customer", route=route, answer="a", tools=[], citations=[], guard={},
                      latency_ms=latency, prompt_tokens=10, completion_tokens=5, failures=list(failures),
                      score=TurnScore(**score))


def synthetic() -> list[CaseResult]:
    good = CaseRun([turn(route_checked=True, route_ok=True, tools_checked=True, tools_tp=2, tools_required=2,
                         tools_satisfied=2, figures=4, grounded=4, latency=50.0)])
    bad = CaseRun([turn(route="clarify", failures=["route: expected answer, got clarify"], route_checked=True,
                        tools_checked=True, tools_tp=0, tools_fp=1, tools_required=1, tools_satisfied=0, figures=1,
                        grounded=0, args_checked=2, args_ok=1, latency=150.0),
                   turn(route="blocked", route_checked=True, route_ok=False, blocked=True, cites_checked=True,
                        cites_expected=2, cites_found=1, cites_shown=3, cites_relevant=2, latency=250.0,
                        consent_violations=["get_balances ran without accounts:read"], leaks=["US_SSN"],
                        failures=["consent: x", "leak: US_SSN in the answer"])],
                  failures=["final_state: expected 1 cards row(s)"])
    flaky = [CaseRun([turn(latency=75.0)]), CaseRun([turn(failures=["route: expected answer, got decline"],
                                                          latency=80.0)])]
    return [CaseResult("good-1", "alpha", [good, good]), CaseResult("bad-1", "alpha", [bad, bad]),
            CaseResult("flaky-1", "beta", flaky)]


def test_metrics_on_synthetic_results():
    s = summarize(synthetic())
    assert (s["cases"], s["runs_per_case"], s["turns"]) == (3, 2, 8)
    assert s["case_pass_rate"] == round(3 / 6, 4)           # good x2 and one flaky run pass
    assert s["pass_hat_k"] == round(1 / 3, 4)               # only good-1 passed both runs
    assert s["route_accuracy"] == round(2 / 6, 4)
    assert s["tool_precision"] == round(4 / 6, 4) and s["tool_recall"] == round(4 / 6, 4)
    assert s["tool_f1"] == round(4 / 6, 4)
    assert s["argument_accuracy"] == 0.5
    assert (s["consent_violations"], s["compliance_leaks"]) == (2, 2)
    assert (s["citation_recall"], s["citation_precision"]) == (0.5, round(2 / 3, 4))
    assert s["groundedness"] == round(8 / 10, 4)
    assert s["over_blocking_rate"] == 0.25
    assert s["latency_p50_ms"] == 115.0 and s["latency_p95_ms"] == 250.0
    assert (s["prompt_tokens_per_turn"], s["completion_tokens_per_turn"], s["errors"]) == (10.0, 5.0, 0)
    assert by_suite(synthetic()) == {"alpha": {"cases": 2, "passed": 1, "pass_rate": 0.5},
                                     "beta": {"cases": 1, "passed": 0, "pass_rate": 0.0}}


def test_metrics_without_data_are_none_and_their_gates_do_not_apply():
    s = summarize([CaseResult("x", "s", [CaseRun([turn()])])])
    assert s["route_accuracy"] is None and s["citation_recall"] is None and s["tool_f1"] is None
    version, gates = load_gates()
    verdicts = {g["metric"]: g for g in judge_gates(s, gates)}
    assert version >= 1 and not verdicts["citation_recall"]["applies"] and verdicts["citation_recall"]["passed"]
    assert verdicts["consent_violations"]["passed"] and verdicts["consent_violations"]["threshold"] == 0


def test_gates_file_rules(tmp_path):
    _, offline = load_gates(provider="offline")
    _, openai = load_gates(provider="openai:gpt-4o-mini")
    latency = {g.metric: g.threshold for g in offline}["latency_p95_ms"]
    assert {g.metric: g.threshold for g in openai}["latency_p95_ms"] > latency
    assert {"consent_violations", "compliance_leaks", "over_blocking_rate", "groundedness"} <= {g.metric for g in offline}
    bad = tmp_path / "gates.yaml"
    bad.write_text("gates:\n  route_accuracy: {min: 0.9, max: 1}\n")
    with pytest.raises(GatesError, match="route_accuracy"):
        load_gates(bad)
    bad.write_text("gates:\n  made_up_metric: {min: 1}\n")
    with pytest.raises(GatesError, match="made_up_metric"):
        judge_gates(summarize(synthetic()), load_gates(bad)[1])


def test_results_json_contract_shape_and_report():
    cases = synthetic()
    summary = summarize(cases)
    gates = judge_gates(summary, load_gates()[1])
    run = RunResult(cases, summary, gates, {"provider": "offline", "repeat": 2, "started_at": "t", "duration_s": 1.0,
                                            "gates_version": 1, "suites": by_suite(cases),
                                            "pass_hat_curve": pass_hat_curve(cases)})
    data = run.to_json()
    assert set(data) >= {"summary", "cases"} and data["gates_passed"] is False
    assert all(isinstance(v, (int, float, type(None))) for v in data["summary"].values())
    for case in data["cases"]:
        assert set(case) >= {"id", "passed", "turns"} and len(case["runs"]) == 2
        for t in case["turns"]:
            assert set(t) >= {"user", "route", "answer", "tools", "citations", "guard", "latency_ms", "prompt_tokens",
                              "completion_tokens", "failures"}
    bad = next(c for c in data["cases"] if c["id"] == "bad-1")
    assert bad["turns"][-1]["failures"][-1].startswith("final_state")   # case-level failures sit on the last turn
    assert "turn 1: route: expected answer, got clarify" in bad["failures"]
    patterns = dict((p, n) for p, n, _ in failure_patterns(run))
    assert patterns["route: expected answer, got clarify"] == 2 and patterns["final_state: cards"] == 2
    text = render(run)
    assert "| consent_violations | 2 | <= 0 | **FAIL** |" in text and "### bad-1 (alpha)" in text
    assert f"pass^k for k = 1..2: {summary['case_pass_rate']:g}, {summary['pass_hat_k']:g}" in text
