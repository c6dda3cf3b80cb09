"""`copilot eval`: run scenario suites through the copilot, print the scorecard, write results JSON and a report.

Exit codes: 0 every gate passed (or the provider was skipped, with the reason), 1 a gate failed, 2 the case
files or options are wrong (nothing ran). The harness is imported inside the command so registering it costs
the rest of the CLI nothing at start-up.
"""

from __future__ import annotations

from pathlib import Path

import typer

from copilot.cli.common import console, err_console, fail, friendly

RESULTS = Path("eval-results/results.json")
REPORT = Path("eval-results/report.md")


CASES = typer.Option(None, "--cases", "-c", help="A case file or folder; repeatable. Default: every suite.")
SUITE = typer.Option(None, "--suite", "-s", help="A suite by name (file stem in evals/cases); repeatable.")
PROVIDER = typer.Option(None, "--provider", "-p", help="offline | openai:MODEL (default: COPILOT_PROVIDER or offline).")
REPEAT = typer.Option(1, "--repeat", "-k", min=1, max=50, help="Runs per case; reports pass^k.")
OUT = typer.Option(RESULTS, "--out", "-o", help="Where to write the results JSON.")
REPORT_OPTION = typer.Option(REPORT, "--report", "-r", help="Where to write the markdown report.")
GATES = typer.Option(None, "--gates", help="Gates file (default: evals/gates.yaml).")


@friendly
def evaluate(cases: list[Path] = CASES, suite: list[str] = SUITE, provider: str = PROVIDER, repeat: int = REPEAT,
             out: Path = OUT, report: Path = REPORT_OPTION, gates: Path = GATES) -> None:
    """Run evaluation suites; exits non-zero when a gate fails."""
    from copilot.offline import go_offline
    from evals import report as report_lib
    from evals.gates import GATES_FILE, GatesError
    from evals.harness import ProviderUnavailable, evaluate as run_suites, prepare
    from evals.loader import CaseFileError
    from evals.scorecard import show, tracking

    go_offline()
    try:
        loaded = prepare(cases or None, suite or None)
        with tracking(console) as tracker:
            run = run_suites(loaded, provider=provider, repeat=repeat, gates_file=gates or GATES_FILE,
                             on_start=tracker.on_start, on_run=tracker.on_run)
    except (CaseFileError, GatesError) as exc:
        fail(str(exc))
    except ProviderUnavailable as exc:
        err_console.print(f"[yellow]skipped:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(0) from None
    run.write(out)
    report_lib.write(run, report)
    show(console, run)
    console.print(f"results: {out}   report: {report}", highlight=False)
    raise typer.Exit(0 if run.gates_passed else 1)
