"""`copilot tools ...`: list the tools, call one for a customer, confirm / cancel pending writes, score fraud rules,
run the payments that fall due."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from copilot.cli.common import console, fail, friendly, runtime
from copilot.context import ToolContext
from copilot.runtime import Runtime
from tools import REGISTRY, cancel_action, confirm_action, open_pending_actions, openai_tool_schemas, run_tool
from tools.due import pay_due
from tools.money import show
from tools.fraud_scoring import score

tools_app = typer.Typer(help="The banking tools: list, call, confirm pending writes.", no_args_is_help=True)
EXIT_CODES = {"not_found": 2, "invalid_args": 2, "error": 1}

CUSTOMER = typer.Option(..., "--customer", "-c", help="Customer id, e.g. demo-debt.")
ACTOR = typer.Option(None, help="Who is acting (default customer:<id>).")
ROLE = typer.Option("customer", help="customer | support_agent | admin | system.")


def _context(rt: Runtime, customer: str, actor: str | None, role: str, conversation: str | None = None,
             knowledge: bool = False) -> ToolContext:
    """The context a CLI call runs in; the knowledge retriever (slow to load) only when the tool needs it."""
    rt.require_customer(customer)
    return ToolContext(db=rt.db, settings=rt.settings, customer_id=customer, actor=actor or f"customer:{customer}",
                       role=role, now=rt.settings.now(), conversation_id=conversation,
                       retriever=rt.retriever if knowledge else None, channel="cli")


def _emit(outcome, full: bool = True) -> None:
    """Print the outcome JSON (or just the tool's result); unknown names and bad arguments exit 2 with one line."""
    if outcome.status in ("not_found", "invalid_args"):
        fail(outcome.error or outcome.status)
    if full:
        payload = outcome.model_dump(mode="json")
    elif outcome.status == "ok":
        payload = outcome.result
    elif outcome.status == "consent_required":
        payload = outcome.consent
    else:
        payload = {"status": outcome.status, "pending_action": outcome.pending_action, "error": outcome.error}
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if outcome.status in EXIT_CODES:
        raise typer.Exit(EXIT_CODES[outcome.status])


@tools_app.command("list")
def list_tools() -> None:
    """Every tool: name, consent scopes, read or write, and what it does."""
    table = Table(title=f"{len(REGISTRY)} tools", show_lines=True)
    for column in ("name", "scopes", "kind", "description"):
        table.add_column(column, overflow="fold")
    for spec in REGISTRY.values():
        scopes = ", ".join(spec.scopes) or "none"
        if spec.scopes_for:
            scopes += " (none for hypothetical inputs)"
        first_sentence = " ".join(spec.description.split()).split(". ")[0].rstrip(".") + "."
        table.add_row(spec.name, scopes, "write" if spec.writes else "read", first_sentence)
    console.print(table)


@tools_app.command("schema")
def schema(names: list[str] = typer.Argument(None, help="Tool names (default all).")) -> None:
    """The OpenAI function-calling schemas, as JSON."""
    try:
        typer.echo(json.dumps(openai_tool_schemas(names or None), indent=2))
    except KeyError as exc:
        fail(str(exc.args[0]))


@tools_app.command("call")
@friendly
def call(name: str = typer.Argument(..., help="Tool name, e.g. get_balances."), customer: str = CUSTOMER,
         args: str = typer.Option("{}", "--args", "-a", help="Arguments as a JSON object."),
         actor: str = ACTOR, role: str = ROLE,
         conversation: str = typer.Option(None, help="Conversation id the call belongs to."),
         outcome: bool = typer.Option(False, "--outcome", help="Print the whole outcome (status, consent decision, "
                                                               "args, latency) instead of just the result.")) -> None:
    """Run one tool for a customer through the consent gate and print its result as JSON (DESIGN.md §4.4)."""
    if name not in REGISTRY:
        fail(f"unknown tool {name!r}; known tools: {', '.join(REGISTRY)}")
    try:
        parsed = json.loads(args)
    except json.JSONDecodeError as exc:
        fail(f"--args is not valid JSON: {exc.msg} at character {exc.pos}")
    if not isinstance(parsed, dict):
        fail("--args must be a JSON object, e.g. '{\"period\": \"last_month\"}'")
    ctx = _context(runtime(), customer, actor, role, conversation, knowledge=name == "search_knowledge")
    _emit(run_tool(ctx, name, parsed), full=outcome)


@tools_app.command("confirm")
@friendly
def confirm(action_id: str = typer.Argument(..., help="The pending action's id (act-...)."),
            customer: str = CUSTOMER, actor: str = ACTOR, role: str = ROLE,
            step_up: bool = typer.Option(False, "--step-up", help="The customer passed a step-up check.")) -> None:
    """Carry out a pending write (exactly once)."""
    _emit(confirm_action(_context(runtime(), customer, actor, role), action_id, step_up_verified=step_up))


@tools_app.command("cancel")
@friendly
def cancel(action_id: str = typer.Argument(...), customer: str = CUSTOMER, actor: str = ACTOR,
           role: str = ROLE) -> None:
    """Cancel a pending write."""
    _emit(cancel_action(_context(runtime(), customer, actor, role), action_id))


@tools_app.command("pending")
@friendly
def pending(customer: str = CUSTOMER) -> None:
    """Writes waiting for the customer's confirmation."""
    typer.echo(json.dumps(open_pending_actions(_context(runtime(), customer, None, "customer")), indent=2))


@tools_app.command("fraud-score")
@friendly
def fraud_score(days: int = typer.Option(60, help="Window of activity the rules flag.")) -> None:
    """Precision and recall of the fraud rules against the demo bank's labelled anomalies."""
    rt = runtime()
    with rt.db.session() as session:
        report = score(session, rt.settings.now().date(), days)
    table = Table(title=f"fraud rules since {report['since']}: precision {report['precision']:.2%}, "
                        f"recall {report['recall']:.2%}")
    for column in ("labelled kind", "labelled", "found", "recall"):
        table.add_column(column)
    for kind, row in report["by_kind"].items():
        table.add_row(kind, str(row["labelled"]), str(row["found"]), f"{row['recall']:.0%}")
    console.print(table)
    for line in report["false_positives"]:
        console.print(f"flagged but not labelled: {line}")


@tools_app.command("pay-due")
@friendly
def pay_due_command() -> None:
    """Pay the standing orders and scheduled payments due today or earlier (each day once, however often it runs)."""
    rt = runtime()
    outcomes = pay_due(rt.db, rt.settings.now().date(), rt.settings.now())
    table = Table(title=f"{len(outcomes)} payments due")
    for column in ("customer", "day", "to", "outcome"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        table.add_row(outcome["customer_id"], outcome["day"], outcome["to"],
                      f"paid {show(outcome['amount'], outcome['currency'])}" if outcome["status"] == "paid"
                      else f"skipped: {outcome['reason']}")
    console.print(table)
