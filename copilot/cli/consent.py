"""`copilot consent ...`: the customer's consent ledger: scopes, list, grant, revoke, history."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from copilot import consent as ledger
from copilot.cli.common import console, fail, friendly, runtime
from copilot.store.models import Consent

consent_app = typer.Typer(help="The consent ledger: what the copilot may use, granted and revoked by customers.",
                          no_args_is_help=True)
CUSTOMER = typer.Option(..., "--customer", "-c", help="Customer id, e.g. demo-debt.")
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _scopes(text: str) -> list[str]:
    return [scope.strip() for scope in text.split(",") if scope.strip()]


def _when(value) -> str:
    return value.isoformat(timespec="minutes") if value else ""


def _row(grant: Consent) -> dict:
    return {"id": grant.id, "scopes": grant.scopes, "status": grant.status, "purpose": grant.purpose,
            "channel": grant.channel, "granted_by": grant.granted_by, "granted_at": _when(grant.granted_at),
            "expires_at": _when(grant.expires_at), "lookback_days": grant.lookback_days,
            "revoked_at": _when(grant.revoked_at), "revoked_by": grant.revoked_by,
            "revocation_reason": grant.revocation_reason}


def _table(title: str, rows: list[dict], columns: tuple[str, ...]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(", ".join(v) if isinstance(v := row.get(c), list) else str(v if v is not None else "")
                        for c in columns))
    console.print(table)


@consent_app.command("scopes")
def scopes() -> None:
    """The scopes a customer can grant, and what each lets the copilot do."""
    _table("consent scopes", [{"scope": s, "lets the copilot": text} for s, text in ledger.SCOPES.items()],
           ("scope", "lets the copilot"))


@consent_app.command("list")
@friendly
def list_grants(customer: str = CUSTOMER, show_all: bool = typer.Option(False, "--all", help="Include revoked and "
                                                                                            "expired grants."),
                as_json: bool = AS_JSON) -> None:
    """The customer's grants (active ones unless --all) and the scopes in force now."""
    rt = runtime()
    rt.require_customer(customer)
    now = rt.settings.now()
    with rt.db.session() as session:
        state = ledger.current_state(session, customer, now)
        grants = ledger.all_consents(session, customer) if show_all else ledger.active_consents(session, customer, now)
        rows = [_row(g) for g in grants]
    if as_json:
        typer.echo(json.dumps({"customer": customer, "active_scopes": sorted(state.scopes),
                               "lookback_days": state.lookback_days, "grants": rows}, indent=2))
        return
    _table(f"consents of {customer}", rows, ("id", "scopes", "status", "granted_at", "expires_at", "lookback_days"))
    console.print(f"in force now: {', '.join(sorted(state.scopes)) or 'nothing'}")


@consent_app.command("grant")
@friendly
def grant(customer: str = CUSTOMER,
          scopes_: str = typer.Option(..., "--scopes", "-s", help="Comma-separated scopes, e.g. budgets:write."),
          purpose: str = typer.Option("", help="Why, in plain words shown to the customer."),
          days: int = typer.Option(365, help="How long the grant lasts."),
          lookback_days: int = typer.Option(ledger.DEFAULT_LOOKBACK_DAYS, help="Transaction history visible (days)."),
          channel: str = typer.Option("cli", help="Where it was granted."),
          actor: str = typer.Option(None, help="Who granted it (default customer:<id>).")) -> None:
    """Grant scopes to the copilot for a customer."""
    rt = runtime()
    rt.require_customer(customer)
    with rt.db.session() as session:
        made = ledger.grant(session, customer, _scopes(scopes_), now=rt.settings.now(), purpose=purpose,
                            channel=channel, actor=actor, days=days, lookback_days=lookback_days)
        row = _row(made)
    console.print(f"granted [bold]{', '.join(row['scopes'])}[/] to the copilot for {customer} until "
                  f"{row['expires_at']} (consent {row['id']})")


@consent_app.command("revoke")
@friendly
def revoke(customer: str = CUSTOMER,
           scopes_: str = typer.Option(None, "--scopes", "-s", help="Comma-separated scopes to withdraw."),
           consent_id: str = typer.Option(None, "--consent", help="Or one whole grant, by id."),
           reason: str = typer.Option("revoked by customer", help="Recorded with the revocation."),
           actor: str = typer.Option(None, help="Who revoked it (default customer:<id>).")) -> None:
    """Withdraw scopes (or one grant); it bites on the very next tool call."""
    if bool(scopes_) == bool(consent_id):
        fail("give either --scopes or --consent")
    rt = runtime()
    rt.require_customer(customer)
    who = actor or f"customer:{customer}"
    with rt.db.session() as session:
        if consent_id:
            touched = [ledger.revoke(session, customer, consent_id, now=rt.settings.now(), actor=who, reason=reason)]
        else:
            touched = ledger.revoke_scopes(session, customer, _scopes(scopes_), now=rt.settings.now(), actor=who,
                                           reason=reason)
        ids = [c.id for c in touched]
    console.print(f"revoked {', '.join(ids)}" if ids else "nothing to revoke: no active grant carries those scopes")


@consent_app.command("history")
@friendly
def history(customer: str = CUSTOMER, as_json: bool = AS_JSON) -> None:
    """Every grant, revocation and expiry for a customer, oldest first (append-only)."""
    rt = runtime()
    rt.require_customer(customer)
    with rt.db.session() as session:
        ledger.expire_due(session, customer, rt.settings.now())
        rows = [{"at": _when(e.at), "event": e.event, "consent": e.consent_id, "actor": e.actor,
                 "scopes": e.detail.get("scopes", []),
                 "note": e.detail.get("reason") or e.detail.get("purpose", ""), "detail": e.detail}
                for e in ledger.history(session, customer)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    _table(f"consent history of {customer}", rows, ("at", "event", "consent", "actor", "scopes", "note"))
