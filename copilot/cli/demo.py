"""`copilot demo ...` and `copilot db ...`: seed the deterministic demo bank, migrate the schema."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from copilot.cli.common import console, friendly, runtime

demo_app = typer.Typer(help="The deterministic demo bank.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@demo_app.command("seed")
@friendly
def seed(reset: bool = typer.Option(False, help="Drop and recreate the demo customers' data."),
         as_of: str = typer.Option(None, help="Last day of history (YYYY-MM-DD); default today.")) -> None:
    """Create the five demo customers with 13 months of history (idempotent)."""
    result = runtime().seed_demo(reset=reset, as_of=date.fromisoformat(as_of) if as_of else None)
    table = Table(title=f"demo bank as of {result['as_of']} ({'created' if result['created'] else 'already there'})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result["counts"].items():
        table.add_row(name, str(count))
    console.print(table)
    console.print(f"content hash [bold]{result['hash']}[/]")


@db_app.command("upgrade")
@friendly
def upgrade() -> None:
    """Apply every pending migration."""
    rt = runtime()
    rt.db.upgrade()
    console.print(f"schema is current on {rt.db.dialect}")
