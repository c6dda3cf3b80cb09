"""`copilot kb ingest | search | show | eval` as a person runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from copilot.cli.main import app
from tests.conftest import CLOCK


@pytest.fixture
def kb(tmp_path, mini_docs):
    """Run `copilot kb ...` against a private data folder that holds the fixture corpus."""
    env = {"COPILOT_DATA_DIR": str(tmp_path / "data"), "COPILOT_CLOCK": CLOCK, "COPILOT_CHROMA_URL": ""}
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["kb", *args], env=env)

    result = run("ingest", "--docs", str(mini_docs))
    assert result.exit_code == 0, result.output
    return run


def test_ingest_prints_a_summary_and_is_incremental(kb, mini_docs):
    again = kb("ingest", "--docs", str(mini_docs))
    assert again.exit_code == 0
    assert "documents" in again.output and "unchanged" in again.output
    row = [line for line in again.output.splitlines() if line.strip().startswith("│")][-1]
    documents, chunks, embedded, unchanged, removed, _ = (cell.strip() for cell in row.strip().strip("│").split("│"))
    assert (documents, embedded, unchanged, removed) == ("7", "0", chunks, "0")


def test_search_shows_citations_scores_and_snippets(kb):
    result = kb("search", "how much is a replacement card", "-k", "2")
    assert result.exit_code == 0
    assert "card-fees#replacement-cards" in result.output and "$5" in result.output


def test_search_hides_agent_procedures_from_customers(kb):
    customer = kb("search", "verification steps push approval one-time code", "--json")
    agent = kb("search", "verification steps push approval one-time code", "--audience", "agent", "--json")
    assert "agent-callbacks" not in customer.output
    assert json.loads(agent.output)["hits"][0]["doc_id"] == "agent-callbacks"


def test_search_says_when_it_does_not_know(kb):
    result = kb("search", "banana bread recipe please")
    assert result.exit_code == 0 and "Nothing in the knowledge base answers this" in result.output


def test_show_prints_the_version_in_force(kb):
    now = kb("show", "savings-rates#interest-rate")
    before = kb("show", "savings-rates#interest-rate", "--on", "2025-06-01")
    assert "4.00% APY" in now.output and "3.50% APY" in before.output
    missing = kb("show", "agent-callbacks#verification-steps")
    assert missing.exit_code == 2 and "no section" in missing.output


def test_eval_passes_and_fails_on_its_gate(kb, tmp_path):
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "- {id: fees, q: 'what does a new card cost if i lose mine', docs: [card-fees]}\n"
        "- {id: rate, q: 'savings interest rate', docs: [savings-rates]}\n"
        "- {id: hours, q: 'when are branches open', docs: [card-fees]}\n"
        "- {id: none, q: 'banana bread recipe please', unanswerable: true}\n")
    report = tmp_path / "eval.json"
    passed = kb("eval", "--questions", str(questions), "-k", "1", "--gate", "0.6", "--out", str(report))
    assert passed.exit_code == 0, passed.output
    assert "recall@1" in passed.output and "unanswerable_detection" in passed.output
    summary = json.loads(report.read_text())["summary"]
    assert summary["recall@1"] == pytest.approx(2 / 3) and summary["unanswerable_detection"] == 1.0
    failed = kb("eval", "--questions", str(questions), "-k", "1", "--gate", "0.9")
    assert failed.exit_code == 1 and "below the gate" in failed.output


def test_bad_index_settings_are_one_line_errors(tmp_path):
    result = CliRunner().invoke(app, ["kb", "search", "fees"],
                                env={"COPILOT_DATA_DIR": str(tmp_path), "COPILOT_CHROMA_URL": "ftp://nowhere"})
    assert result.exit_code == 2 and "not a server URL" in result.output


def test_bench_measures_ingest_and_queries_without_touching_the_index(settings, mini_docs):
    from evals.retrieval.bench import benchmark
    from evals.retrieval.scorer import Question

    figures = benchmark(settings, mini_docs, [Question(id="a", q="replacement card fee", docs=("card-fees",)),
                                              Question(id="b", q="branch opening hours", docs=("injected-notice",))])
    assert figures["chunks"] > 0 and figures["ingest_chunks_per_s"] > 0 and figures["queries"] == 2
    assert 0 < figures["warm_query_p50_ms"] and 0 < figures["query_p50_ms"] <= figures["query_p95_ms"]
    assert not settings.chroma_dir.exists()
