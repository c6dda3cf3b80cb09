"""`copilot bench` smoke: the in-process figure families on a tiny plan, the table and the JSON (the HTTP family's
driver and server process are exercised by the soak and kill -9 tests)."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from rich.console import Console
from typer.testing import CliRunner

from copilot.bench.report import rows, table
from copilot.bench.runner import Plan, run, write
from copilot.bench.stats import percentile, summary
from copilot.cli.main import app
from tests.conftest import make_settings

TINY = Plan(repeat=1, guard_messages=10, questions=5, documents=2, workers=(1,), levels=(2,), turns=(1,))


def test_percentiles_are_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 95) == 95.0 and percentile([7.0], 95) == 7.0
    assert summary(samples)["median"] == 50.5 and summary([])["n"] == 0


@pytest.mark.slow
def test_the_in_process_families_measure_report_and_write(tmp_path, kb_chroma):
    shutil.copytree(kb_chroma, tmp_path / "index")
    base = make_settings(tmp_path / "base", chroma_path=tmp_path / "index")
    results = run(TINY, base=base, families=("turns", "compliance", "retrieval", "llm_context"))
    figures = results["figures"]
    assert not [name for name, f in figures.items() if "error" in f], figures
    for route in ("tool_answer", "kb_answer", "clarify", "blocked"):
        assert figures["turns"][route]["n"] > 0, figures["turns"][route]          # some message took that route
    assert figures["compliance"]["guard_plus_filter"]["n"] == 10 and figures["compliance"]["ratio_median"] > 0
    assert figures["retrieval"]["ingest_chunks_per_s"] > 0 and figures["retrieval"]["query_cold"]["n"] == 5
    llm = figures["llm_context"]
    assert llm["fallbacks"] == [] and llm["ratio_median"] > 1.5, "budgeting must cut the prompt well below naive"
    assert results["meta"]["cpus"] and set(results["meta"]["seconds"]) >= set(figures)
    rendered = io.StringIO()
    Console(file=rendered, width=160).print(table(results))
    assert "naive / budgeted" in rendered.getvalue() and len(rows(results)) >= 12
    written = write(results, tmp_path / "out" / "bench.json")
    assert json.loads(written.read_text())["figures"]["llm_context"]["naive"]["median"] == llm["naive"]["median"]


def test_a_failed_family_is_a_row_not_a_crash_and_the_command_is_registered():
    results = {"meta": {}, "figures": {"http": {"error": "RuntimeError: the server exited with 2"}}}
    assert rows(results) == [("http", "FAILED", "", "", "", "RuntimeError: the server exited with 2")]
    help_text = CliRunner().invoke(app, ["bench", "--help"]).output
    assert "--quick" in help_text and "--out" in help_text and "--fleet" in help_text


def test_the_fleet_figures_refuse_a_database_that_is_not_postgresql_at_once(tmp_path):
    outcome = CliRunner().invoke(app, ["bench", "--fleet", "--postgres", f"sqlite:///{tmp_path / 'bank.db'}"])
    assert outcome.exit_code != 0 and "postgresql+psycopg://user@host:5432/db" in outcome.output, outcome.output


def test_the_fleet_figures_are_table_rows():
    level = {"latency": summary([900.0, 1100.0]), "throughput_turns_per_s": 9.7, "errors": 0,
             "rss_mb_per_worker": [870.0, 880.0], "db_connections_peak": 14}
    results = {"meta": {}, "figures": {"fleet": {"2_workers": {"workers": 2, "levels": {"32": level}}}}}
    [row] = rows(results)
    assert row[:3] == ("fleet (PostgreSQL)", "2w x 32 conv", "2") and "9.7 turns/s" in row[5]
    assert "880 MB/worker" in row[5] and "14 DB conn" in row[5]
