"""The CI gate: every offline suite in evals/cases runs through the harness and every gate in evals/gates.yaml holds.

Slow (about two minutes on two cores). The results JSON and the markdown report are kept in test-artifacts/
so a red run shows which cases and patterns failed.
"""

from __future__ import annotations

import pytest

from copilot.config import PROJECT_ROOT
from evals import report
from evals.harness import evaluate, prepare

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_offline_suites_pass_every_gate(eval_data_dir):
    run = evaluate(prepare(), provider="offline", data_dir=eval_data_dir)
    run.write(ARTIFACTS / "eval-results.json")
    report.write(run, ARTIFACTS / "eval-report.md")
    assert run.summary["cases"] >= 250
    failed = [f"{g['metric']} = {g['value']} (needs {'>=' if g['op'] == 'min' else '<='} {g['threshold']:g})"
              for g in run.gates if not g["passed"]]
    assert not failed, "evaluation gates failed:\n  " + "\n  ".join(failed) + \
        f"\nsee {ARTIFACTS / 'eval-report.md'} for the failing cases and the most common failure patterns"
