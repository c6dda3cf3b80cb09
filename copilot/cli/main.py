"""The `copilot` entry point: registers each surface's sub-commands."""

from __future__ import annotations

import typer

from copilot import __version__
from copilot.cli.demo import db_app, demo_app

app = typer.Typer(name="copilot", help="Conversational financial copilot for digital banking.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
