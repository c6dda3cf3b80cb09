"""`copilot chat`: the terminal chat (rich markdown, tables for charts, start-up progress, consent and confirmation
prompts, and a support agent's messages once they have taken the hand-off, as the web chat shows them)."""

from __future__ import annotations

import re
import threading

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Confirm, Prompt
from rich.table import Table
from rich.text import Text

from copilot import consent
from copilot.agent.formatting import money
from copilot.cli.common import console, friendly, is_tty, runtime
from copilot.context import ToolContext

EXIT_WORDS = {"quit", "exit", "bye!", ":q"}
CITATION = re.compile(r"\[([a-z0-9][a-z0-9._-]*#[a-z0-9._-]+)\]")
STYLES = {"blocked": "red", "consent_required": "yellow", "confirm": "magenta", "handoff": "cyan"}


def _table(block: dict) -> Table:
    table = Table(title=None, show_edge=True)
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


def hard_breaks(text: str) -> str:
    """Markdown that keeps the answer's single line breaks (markdown would join those lines into one)."""
    return re.sub(r"(?<!\n)\n(?!\n)", "  \n", text)


class Chat:
    """One terminal conversation: prints the copilot's turns, and the bank's and the support agent's messages."""

    def __init__(self, rt, bot, customer: str) -> None:
        self.rt, self.bot, self.customer = rt, bot, customer
        self.conversation_id = bot.start(customer, channel="terminal")
        self.seen = 0
        self.lock = threading.Lock()

    def _title(self, handle: str) -> str:
        hit = self.rt.retriever.get_section(handle, audience="customer")
        return f"{hit.title}: {hit.section}" if hit else "a help section"

    def show(self, result) -> None:
        handles = list(dict.fromkeys([*CITATION.findall(result.answer or ""), *result.citations]))
        text = CITATION.sub(lambda m: f"[{handles.index(m.group(1)) + 1}]", result.answer or "…")
        console.print(Panel(Markdown(hard_breaks(text)), title=f"copilot · {result.route}", title_align="left",
                            border_style=STYLES.get(result.route, "green")))
        for block in result.ui:
            console.print(Text(block["title"], style="bold"), soft_wrap=True)
            console.print(_table(block))
        for n, handle in enumerate(handles, 1):
            console.print(f"[dim]  [{n}] {self._title(handle)}[/]", highlight=False, soft_wrap=True)
        self.catch_up()

    def catch_up(self) -> None:
        """Print the bank's notes and the support agent's replies that arrived since the last look (once each)."""
        from copilot.api.history import messages, viewer

        with self.lock, self.rt.db.session() as session:
            new = messages(session, self.conversation_id, viewer(self.rt, self.conversation_id, customer=True),
                           self.seen)
            for message in new:
                if message["role"] == "agent":
                    console.print(Panel(Markdown(hard_breaks(message["content"])), title="support agent",
                                        title_align="left", border_style="bright_green"))
                elif message["role"] == "system":
                    console.print(f"[bold]Northbridge:[/] {message['content']}", highlight=False, soft_wrap=True)
                self.seen = max(self.seen, message["id"])

    def watch(self, every: float, stop: threading.Event) -> None:
        """While waiting for the customer to type, show a support agent's replies as they arrive."""
        while not stop.wait(every):
            try:
                self.catch_up()
            except Exception:                           # noqa: BLE001 - a missed poll is retried on the next one
                continue

    def send(self, text: str):
        with console.status("thinking…"):
            result = self.bot.send(self.conversation_id, text)
        self.show(result)
        if (result.pending_action or {}).get("requires_step_up") and self.rt.settings.demo_mode:
            self.show_phone()
        return result

    def show_phone(self) -> None:
        """Demo mode: the customer's phone, which shows the one-time code a risky action asks for."""
        from tools import stepup

        ctx = ToolContext(db=self.rt.db, settings=self.rt.settings, customer_id=self.customer,
                          actor=f"customer:{self.customer}", role="customer", now=self.rt.settings.now(),
                          channel="terminal")
        try:
            phone = stepup.phone_screen(ctx)
        except LookupError as exc:
            console.print(f"[dim]{exc}[/]", highlight=False)
            return
        console.print(Panel(f"Your one-time code is [bold]{phone['code']}[/] ({phone['seconds_left']} seconds left). "
                            "Type it here to go ahead.", title=f"demo phone · {phone['device']}", title_align="left",
                            border_style="bright_blue"))


def start(rt, customer: str):
    """The copilot, loaded with progress shown (loading takes several seconds on a small machine): a spinner on a
    terminal, one line per step otherwise."""
    with console.status("starting…") as status:
        def step(label: str) -> None:
            status.update(f"starting: {label}…")
            if not is_tty():
                console.print(f"[dim]starting: {label}…[/]", highlight=False)

        step("loading the copilot")
        from copilot.agent.loop import Copilot
        from copilot.warmup import warm_up

        step("opening the bank")
        if not rt.customer_ids():
            step("creating the demo bank")
            rt.seed_demo()
        rt.require_customer(customer)
        bot = Copilot(rt)
        warm_up(rt, bot, step)
    return bot


@friendly
def chat(customer: str = typer.Option("demo-debt", help="Customer id (demo: demo-debt, demo-newjob, demo-gig, "
                                                         "demo-traveler, demo-sme)."),
         provider: str = typer.Option(None, help="offline | openai:MODEL (default from settings)."),
         message: list[str] = typer.Option(None, "--message", "-m", help="Send these messages and exit (scripts).")
         ) -> None:
    """Chat with the copilot in the terminal as a customer."""
    from copilot.api.settings import ApiSettings

    rt = runtime(provider=provider)
    bot = start(rt, customer)
    session = Chat(rt, bot, customer)
    if message:
        for text in message:
            session.send(text)
        return
    console.print(f"[bold]Northbridge copilot[/] · chatting as [cyan]{customer}[/] · provider "
                  f"{rt.settings.provider} · type [bold]quit[/] to leave")
    stop = threading.Event()
    threading.Thread(target=session.watch, args=(ApiSettings().poll_seconds, stop), daemon=True).start()
    try:
        converse(rt, session, customer)
    finally:
        stop.set()


def converse(rt, session: Chat, customer: str) -> None:
    while True:
        try:
            text = Prompt.ask("[bold cyan]you[/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            break
        result = session.send(text)
        if result.consent_request and Confirm.ask("Allow it?"):
            with rt.db.session() as db:
                consent.grant(db, customer, result.consent_request["scopes"], now=rt.settings.now(),
                              channel="terminal")
            session.send(text)
