"""`copilot bench [--quick] [--out FILE]`: every figure in one run on a private workspace; a table and JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from copilot.cli.common import console, err_console, friendly


@friendly
def bench(quick: bool = typer.Option(False, "--quick", help="A smaller run (CI smoke): fewer repeats, a slice of "
                                                             "the corpus, one worker, 8 and 32 conversations."),
          fleet: bool = typer.Option(False, "--fleet", help="Only the capacity figures on PostgreSQL: 1, 2 and 4 "
                                                            "workers (turns/s, p95, RSS per worker, DB connections)."),
          postgres: str = typer.Option("", "--postgres", help="With --fleet: a PostgreSQL URL to make scratch "
                                                              "databases on (default COPILOT_DATABASE_URL)."),
          out: Path = typer.Option(None, "--out", help="Results JSON (default bench-results/bench-<time>.json).",
                                   dir_okay=False)) -> None:
    """Measure turn latency by route, compliance overhead, retrieval, HTTP throughput and LLM context tokens."""
    from copilot.bench.report import table
    from copilot.bench.runner import FLEET, FULL, QUICK, default_path, run, write
    from copilot.config import load_settings

    def progress(family: str) -> None:
        err_console.print(f"measuring {family} …")

    if fleet:
        from copilot.bench.fleet import require_postgres

        base = load_settings(**({"database_url": postgres} if postgres else {}))
        require_postgres(base.database_url)                 # before minutes of set-up, not after
        results = run(FLEET, base, families=("fleet",), progress=progress)
    else:
        results = run(QUICK if quick else FULL, progress=progress)
    console.print(table(results))
    path = write(results, out or default_path())
    console.print(f"results written to {path}")
    failed = [name for name, figures in results["figures"].items() if "error" in figures]
    if failed:
        err_console.print(f"[bold red]failed:[/] {', '.join(failed)}")
        raise typer.Exit(1)
