"""`copilot chat`: the terminal chat (rich markdown, tables for charts, spinners, consent and confirmation prompts)."""

from __future__ import annotations

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Confirm, Prompt
from rich.table import Table

from copilot import consent
from copilot.agent.formatting import money
from copilot.cli.common import console, friendly, runtime

EXIT_WORDS = {"quit", "exit", "bye!", ":q"}


def _table(block: dict) -> Table:
    table = Table(title=block["title"], title_justify="left")
    currency = block.get("currency") or "USD"
    if block["kind"] == "line":
        table.add_column("month")
        table.add_column("balance left", justify="right")
        rows = block["series"]
        step = max(1, len(rows) // 12)
        for row in rows[::step] + ([rows[-1]] if rows and (len(rows) - 1) % step else []):
            table.add_row(row["label"], money(row["value"], currency))
        return table
    table.add_column("")
    table.add_column("amount", justify="right")
    if block["kind"] == "progress":
        table.add_column("limit", justify="right")
    for row in block["series"]:
        cells = [row["label"], money(row["value"], currency)]
        if block["kind"] == "progress":
            cells.append(money(row["limit"], currency) + (" ⚠" if row.get("at_risk") else ""))
        table.add_row(*cells)
    return table


def show(result) -> None:
    style = {"blocked": "red", "consent_required": "yellow", "confirm": "magenta", "handoff": "cyan"}.get(result.route,
                                                                                                        "green")
    console.print(Panel(Markdown(result.answer or "…"), title=f"copilot · {result.route}", title_align="left",
                        border_style=style))
    for block in result.ui:
        console.print(_table(block))
    if result.citations:
        console.print("[dim]sources: " + ", ".join(result.citations) + "[/]")


@friendly
def chat(customer: str = typer.Option("demo-debt", help="Customer id (demo: demo-debt, demo-newjob, demo-gig, "
                                                         "demo-traveler, demo-sme)."),
         provider: str = typer.Option(None, help="offline | openai:MODEL (default from settings)."),
         message: list[str] = typer.Option(None, "--message", "-m", help="Send these messages and exit (scripts).")
         ) -> None:
    """Chat with the copilot in the terminal as a customer."""
    from copilot.agent.loop import Copilot

    rt = runtime(provider=provider)
    if not rt.customer_ids():
        rt.seed_demo()
    rt.require_customer(customer)
    bot = Copilot(rt)
    conversation = bot.start(customer, channel="terminal")
    if message:
        for text in message:
            show(bot.send(conversation, text))
        return
    console.print(f"[bold]Northbridge copilot[/] · chatting as [cyan]{customer}[/] · provider "
                  f"{rt.settings.provider} · type [bold]quit[/] to leave")
    while True:
        try:
            text = Prompt.ask("[bold cyan]you[/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            break
        with console.status("thinking…"):
            result = bot.send(conversation, text)
        show(result)
        if result.consent_request and Confirm.ask(f"Allow: {'; '.join(result.consent_request['purposes'].values())}?"):
            with rt.db.session() as session:
                consent.grant(session, customer, result.consent_request["scopes"], now=rt.settings.now(),
                              channel="terminal")
            with console.status("thinking…"):
                show(bot.send(conversation, text))
