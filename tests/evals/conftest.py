"""Eval-harness fixtures: a data folder with the built KB index, and helpers to write and run case files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from evals.harness import evaluate, prepare
from evals.results import RunResult

PERMISSIVE_GATES = """
version: 0
gates:
  consent_violations: {max: 0}
  compliance_leaks: {max: 0}
  errors: {max: 0}
"""


@pytest.fixture
def eval_data_dir(tmp_path, seeded_template) -> Path:
    """A private copy of the session's data folder (its Chroma index spares a re-ingest per test)."""
    target = tmp_path / "data"
    shutil.copytree(seeded_template, target)
    return target


@pytest.fixture
def write_cases(tmp_path):
    """Write YAML text (dedented) to a case file and return its path."""

    def write(text: str, name: str = "cases.yaml") -> Path:
        path = tmp_path / "cases" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def permissive_gates(tmp_path) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text(PERMISSIVE_GATES, encoding="utf-8")
    return path


@pytest.fixture
def run_file(eval_data_dir, permissive_gates):
    """Run one case file through the real harness (offline provider) and return the RunResult."""

    def run(path: Path, repeat: int = 1, gates: Path | None = None) -> RunResult:
        return evaluate(prepare([path]), repeat=repeat, gates_file=gates or permissive_gates, data_dir=eval_data_dir)

    return run
