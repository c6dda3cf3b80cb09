"""Case files: discovery, validation, and errors that name the file, the case and the field before anything runs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from copilot.cli.main import app
from evals.loader import CASES_DIR, CaseFileError, discover, load_cases, suite_names

GOOD = """
- id: ok-001
  customer: demo-debt
  consents: all
  turns:
    - user: "whats my balance"
      expect: {route: answer, tools: [get_balances], contains: [[checking, savings]]}
"""


def problems_of(path) -> list[str]:
    with pytest.raises(CaseFileError) as caught:
        load_cases([path])
    return caught.value.problems


def test_a_good_file_loads_with_its_suite_name(write_cases):
    path = write_cases(GOOD, "balances_extra.yaml")
    [loaded] = load_cases([path])
    assert loaded.case.id == "ok-001" and loaded.suite == "balances_extra"
    assert loaded.case.turns[0].expect.routes == ["answer"]
    assert loaded.case.turns[0].expect.tools_any is None          # "not constrained" differs from []


@pytest.mark.parametrize(("text", "where", "says"), [
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {tool: [get_balances]}\n",
     "turn 1 expect.tool", "Extra inputs"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {route: answr}\n",
     "turn 1 expect.route", "not a route"),
    ("- id: x-1\n  customer: demo-debt\n  consents: [accounts:reed]\n  turns:\n    - user: hi\n",
     "consents", "unknown consent scope"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      revoke: [cards:manage]\n      grant: [cards:manage]\n",
     "turn 1", "more than one of grant/revoke/expire"),
    ("- id: x-1\n  customer: demo-debt\n  turns: []\n", "turns", "at least 1"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - expect: {route: answer}\n", "turn 1 user", "required"),
    ("- id: x-1\n  customer: demo-nobody\n  turns:\n    - user: hi\n", "customer", "unknown customer"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {tools: [get_balance]}\n",
     "turn 1 expect", "unknown tool 'get_balance'"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {args: {set_budget: {limit: 5}}}\n",
     "turn 1 expect.args.set_budget", "'limit' is not an argument"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {cites: [no-such-doc]}\n",
     "turn 1 expect.cites", "no knowledge-base document 'no-such-doc'"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n  final_state: {cardz: [{status: frozen}]}\n",
     "final_state.cardz", "unknown table"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n  final_state: {cards: [{colour: red}]}\n",
     "final_state.cards[0]", "unknown column"),
    ("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n  final_state: {cards: [{count: -1}]}\n",
     "final_state.cards[0].count", "whole number"),
])
def test_each_problem_names_file_case_and_field(write_cases, text, where, says):
    path = write_cases(text, "broken.yaml")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: case 'x-1': {where}"), problem
    assert says in problem


def test_lenient_shorthands_are_normalised(write_cases):
    path = write_cases("""
    - id: short-1
      customer: demo-debt
      consents: accounts:read
      turns:
        - user: hi
          revoke: cards:manage
          expect: {contains: month, tools: get_balances, cites: fee-schedule}
      final_state: {cards: {demo-debt-card-visa: frozen}, disputes: 1, handoffs: {status: queued}}
    """)
    case = load_cases([path])[0].case
    assert case.consents == ["accounts:read"] and case.turns[0].revoke == ["cards:manage"]
    assert case.turns[0].expect.contains == ["month"] and case.turns[0].expect.cite_options == [["fee-schedule"]]
    assert case.final_state == {"cards": [{"ref": "demo-debt-card-visa", "status": "frozen"}],
                                "disputes": [{"count": 1}], "handoffs": [{"status": "queued"}]}


def test_every_problem_in_every_file_is_reported_at_once(write_cases):
    first = write_cases("- id: a-1\n  customer: demo-x\n  turns:\n    - user: hi\n", "one.yaml")
    second = write_cases("- id: a-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {route: nope}\n"
                         "- customer: demo-debt\n  turns:\n    - user: hi\n", "two.yaml")
    with pytest.raises(CaseFileError) as caught:
        load_cases([first, second])
    text = str(caught.value)
    assert "one.yaml: case 'a-1': customer" in text
    assert "two.yaml: case 'a-1': turn 1 expect.route" in text
    assert "two.yaml: case #2: id: Field required" in text
    assert "id is also used in" in text


@pytest.mark.parametrize(("text", "says"), [("- id: [unclosed\n", "not valid YAML"),
                                            ("id: x\ncustomer: demo-debt\n", "must be a YAML list"),
                                            ("- just a string\n", "case #1: a case must be a mapping")])
def test_file_level_problems(write_cases, text, says):
    path = write_cases(text, "bad.yaml")
    assert says in problems_of(path)[0] and str(path) in problems_of(path)[0]


def test_discovery_by_folder_suite_and_default(write_cases, tmp_path):
    path = write_cases(GOOD, "mine.yaml")
    assert discover([path.parent]) == [path.resolve()]
    assert discover(suites=["consent"]) == [(CASES_DIR / "consent.yaml").resolve()]
    assert len(discover()) == len(suite_names()) >= 16
    with pytest.raises(CaseFileError, match="no suite 'nope'"):
        discover(suites=["nope"])
    with pytest.raises(CaseFileError, match="no such case file"):
        discover([tmp_path / "missing.yaml"])


def test_cli_stops_before_running_on_a_malformed_file(write_cases, tmp_path):
    path = write_cases("- id: x-1\n  customer: demo-debt\n  turns:\n    - user: hi\n      expect: {route: answr}\n")
    out = tmp_path / "results.json"
    result = CliRunner().invoke(app, ["eval", "--cases", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "case 'x-1': turn 1 expect.route" in result.output
    assert not out.exists()


def test_the_shipped_suites_are_valid_and_cover_the_issue():
    loaded = load_cases(discover())
    suites = {c.suite for c in loaded}
    assert len(loaded) >= 250
    assert {"balances", "spending_budgets", "bills_subscriptions", "debt_payoff", "savings", "fraud_cards",
            "knowledge", "unanswerable", "consent", "support_agent", "handoff", "out_of_scope", "multi_intent",
            "follow_ups", "personas", "injection"} <= suites
    personas = {c.case.customer for c in loaded if c.suite == "personas"}
    assert personas == {"demo-debt", "demo-newjob", "demo-gig", "demo-traveler", "demo-sme"}
    turns = [t for c in loaded for t in c.case.turns]
    assert any(t.role == "support_agent" for t in turns)
    assert all(any(getattr(t, change) for t in turns) for change in ("grant", "revoke", "expire"))
    assert any(c.case.setup.transactions for c in loaded) and any(c.case.setup.knowledge for c in loaded)
