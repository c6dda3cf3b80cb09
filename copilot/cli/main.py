"""The `copilot` entry point: registers each surface's sub-commands."""

from __future__ import annotations

import typer

from copilot import __version__
from copilot.cli.bench import bench
from copilot.cli.chat import chat
from copilot.cli.consent import consent_app
from copilot.cli.demo import db_app, demo_app
from copilot.cli.evals import evaluate
from copilot.cli.guard import guard
from copilot.cli.kb import kb_app
from copilot.cli.nlu import nlu_app
from copilot.cli.serve import serve
from copilot.cli.tools import tools_app

app = typer.Typer(name="copilot", help="Conversational financial copilot for digital banking.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")
app.add_typer(tools_app, name="tools")
app.add_typer(consent_app, name="consent")
app.add_typer(kb_app, name="kb")
app.add_typer(nlu_app, name="nlu")
app.command()(chat)
app.command()(serve)
app.command("eval")(evaluate)
app.command()(guard)
app.command()(bench)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
