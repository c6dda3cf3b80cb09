"""The harness's front door (used by `copilot eval` and the CI test): load cases, run them, measure, gate.

Case files are validated before anything runs (CaseFileError); a provider that cannot be reached from this
machine is a visible skip (ProviderUnavailable), not a failure.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from copilot.config import ConfigError
from evals import gates as gates_lib
from evals.bank import eval_settings
from evals.loader import LoadedCase, discover, load_cases
from evals.metrics import by_suite, pass_hat_curve, summarize
from evals.results import CaseRun, RunResult
from evals.runner import Runner


class ProviderUnavailable(RuntimeError):
    """The chosen provider has no endpoint configured here; the message says what to set."""


def prepare(paths: list[Path] | None = None, suites: list[str] | None = None) -> list[LoadedCase]:
    """Discover and validate the case files (raises CaseFileError listing every problem)."""
    return load_cases(discover(paths, suites))


def evaluate(cases: list[LoadedCase], *, provider: str | None = None, repeat: int = 1,
             gates_file: Path = gates_lib.GATES_FILE,
             on_start: Callable[[int], None] | None = None,
             on_run: Callable[[LoadedCase, CaseRun], None] | None = None, **settings_overrides) -> RunResult:
    """Run validated cases `repeat` times each and return results with summary metrics and gate verdicts."""
    if repeat < 1:
        raise ValueError(f"--repeat must be 1 or more (got {repeat})")
    settings = eval_settings(provider, **settings_overrides)
    try:
        settings.require_openai()
    except ConfigError as exc:
        raise ProviderUnavailable(f"provider {settings.provider} skipped: {exc}") from None
    version, gates = gates_lib.load_gates(gates_file, settings.provider)
    started, began = datetime.now(timezone.utc), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as workdir:
        runner = Runner(settings, Path(workdir))
        if on_start:
            on_start(len(cases) * repeat)
        warm_up_s = runner.warm_up()
        results = runner.run(cases, repeat=repeat, on_run=on_run)
    summary = summarize(results)
    meta = {"provider": settings.provider, "repeat": repeat, "clock": settings.clock,
            "demo_as_of": str(settings.demo_as_of), "started_at": started.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - began, 1), "warm_up_s": warm_up_s,
            "gates_file": str(gates_file),
            "gates_version": version, "suites": by_suite(results), "pass_hat_curve": pass_hat_curve(results),
            "files": sorted({str(c.source) for c in cases})}
    return RunResult(results, summary, gates_lib.judge(summary, gates), meta)
