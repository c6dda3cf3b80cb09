"""The terminal side of a run: a rich progress bar while cases run, then the scorecard (gates, suites, patterns)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from evals.loader import LoadedCase
from evals.report import failure_patterns
from evals.results import CaseRun, RunResult

TOP_PATTERNS = 8


class Tracker:
    """Progress callbacks for evals.harness.evaluate: a bar with the pass count and the case running now."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.task, self.passed, self.done = progress, None, 0, 0

    def on_start(self, total: int) -> None:
        self.task = self.progress.add_task("warming up", total=total, passed="")

    def on_run(self, loaded: LoadedCase, run: CaseRun) -> None:
        self.passed += run.passed
        self.done += 1
        self.progress.update(self.task, advance=1, description=loaded.case.id[:40],
                             passed=f"[green]{self.passed} passed[/] [red]{self.done - self.passed} failed[/]")


@contextmanager
def tracking(console: Console) -> Iterator[Tracker]:
    columns = (TextColumn("[bold]{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[passed]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield Tracker(progress)


def _value(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def show(console: Console, run: RunResult) -> None:
    meta, summary = run.meta, run.summary
    gates = Table(title=f"Scorecard: {summary['cases']} cases x {meta['repeat']}, {summary['turns']} turns, "
                        f"{meta['provider']}, {meta['duration_s']} s")
    for name, justify in (("metric", "left"), ("value", "right"), ("gate", "right"), ("", "center")):
        gates.add_column(name, justify=justify)
    gated = {}
    for g in run.gates:
        gated[g["metric"]] = g
        mark = "[dim]n/a[/]" if not g["applies"] else "[green]pass[/]" if g["passed"] else "[bold red]FAIL[/]"
        gates.add_row(g["metric"], _value(g["value"]), f"{'>=' if g['op'] == 'min' else '<='} {g['threshold']:g}", mark)
    for key, value in summary.items():
        if key not in gated and key not in ("cases", "turns", "runs_per_case"):
            gates.add_row(f"[dim]{key}[/]", _value(value), "", "")
    console.print(gates)
    if meta["repeat"] > 1:
        console.print(f"pass^k for k = 1..{meta['repeat']}: {', '.join(map(_value, meta['pass_hat_curve']))}")
    suites = Table(title="Suites")
    for name in ("suite", "cases", "passed", "pass rate"):
        suites.add_column(name, justify="left" if name == "suite" else "right")
    for name, s in meta["suites"].items():
        suites.add_row(name, str(s["cases"]), str(s["passed"]), _value(s["pass_rate"]))
    console.print(suites)
    patterns = failure_patterns(run)[:TOP_PATTERNS]
    if patterns:
        table = Table(title="Most common failures")
        for name in ("pattern", "runs", "examples"):
            table.add_column(name)
        for pattern, count, ids in patterns:
            table.add_row(pattern, str(count), ", ".join(ids))
        console.print(table)
    verdict = "[bold green]all gates passed[/]" if run.gates_passed else \
        "[bold red]gates failed: " + ", ".join(g["metric"] for g in run.gates if not g["passed"]) + "[/]"
    console.print(verdict)
