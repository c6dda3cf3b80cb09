"""final_state assertions: after the last turn, rows of the customer's bank must (or must not) exist.

    final_state:
      cards:    [{name: Cashback Visa, status: frozen}]        # at least one such row
      budgets:  [{category: dining, monthly_limit: 200}]
      disputes: [{count: 0}]                                   # exactly `count` matching rows

Each item is a set of column filters (matched with evals.matching) plus an optional `count`; without `count`
at least one row must match. `ref` matches a row's identifying columns (a card's id, name or last four digits).
Shorthands are accepted and normalised: `cards: {demo-debt-card-visa: frozen}` (identifier -> its natural
value: a card's status, a budget's limit, a goal's target), `cards: {status: frozen}` (one filter set) and
`disputes: 1` (a count). Only the case customer's rows are considered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from copilot.store.models import (Account, Budget, Card, Consent, Dispute, Handoff, Payee, PendingAction, SavingsGoal,
                                  ScheduledPayment, Transaction)
from evals.matching import describe, matches

TABLES = {"accounts": Account, "cards": Card, "budgets": Budget, "savings_goals": SavingsGoal,
          "disputes": Dispute, "handoffs": Handoff, "pending_actions": PendingAction, "consents": Consent,
          "transactions": Transaction, "payees": Payee, "scheduled_payments": ScheduledPayment}
SHOWN = 3          # rows quoted in a failure message
# table -> (columns `ref` matches, the column a shorthand `{identifier: value}` sets)
KEYED = {"cards": (("id", "name", "last4"), "status"), "accounts": (("id", "name", "last4"), "status"),
         "budgets": (("category",), "monthly_limit"), "savings_goals": (("name",), "target_amount"),
         "disputes": (("transaction_id", "id"), "status"), "pending_actions": (("id", "tool"), "status"),
         "payees": (("id", "name", "nickname"), "status"), "scheduled_payments": (("id", "merchant"), "status")}


def columns(table: str) -> list[str]:
    return [c.key for c in inspect(TABLES[table]).columns]


def normalize(final_state: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The list-of-filter-sets form of every table's assertions; raises ValueError on a shape it cannot read."""
    out = {}
    for table, body in final_state.items():
        if isinstance(body, int) and not isinstance(body, bool):
            out[table] = [{"count": body}]
        elif isinstance(body, dict) and table in TABLES and not set(body) <= {*columns(table), "count", "ref"}:
            if table not in KEYED:
                raise ValueError(f"final_state.{table}: use a list of column filters, e.g. [{{count: 1}}]")
            out[table] = [{"ref": key, KEYED[table][1]: value} for key, value in body.items()]
        elif isinstance(body, dict):
            out[table] = [body]
        elif isinstance(body, list) and all(isinstance(item, dict) for item in body):
            out[table] = body
        else:
            raise ValueError(f"final_state.{table}: expected a list of column filters, a mapping or a count, "
                             f"got {body!r}")
    return out


def validate(final_state: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Problems with the assertions themselves (unknown table or column, bad count), as field-path messages."""
    problems = []
    for table, checks in final_state.items():
        if table not in TABLES:
            problems.append(f"final_state.{table}: unknown table; known: {', '.join(TABLES)}")
            continue
        known = set(columns(table)) | ({"ref"} if table in KEYED else set())
        for i, check in enumerate(checks):
            unknown = sorted(set(check) - known - {"count"})
            if unknown:
                problems.append(f"final_state.{table}[{i}]: unknown column(s) {unknown}; "
                                f"known: {', '.join(sorted(known))}")
            count = check.get("count")
            if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
                problems.append(f"final_state.{table}[{i}].count: must be a whole number >= 0, got {count!r}")
    return problems


def _rows(session: Session, table: str, customer_id: str) -> list[dict[str, Any]]:
    model = TABLES[table]
    keys = columns(table)
    found = session.scalars(select(model).where(model.customer_id == customer_id))
    return [{key: getattr(row, key) for key in keys} for row in found]


def _holds(table: str, row: dict[str, Any], column: str, expected: Any) -> bool:
    if column == "ref":
        return any(matches(expected, row.get(key)) for key in KEYED[table][0])
    return matches(expected, row.get(column))


def _show(rows: list[dict[str, Any]], fields: list[str]) -> str:
    if not rows:
        return "no rows"
    shown = ["{" + ", ".join(f"{f}={describe(r.get(f))}" for f in fields) + "}" for r in rows[:SHOWN]]
    more = f" (+{len(rows) - SHOWN} more)" if len(rows) > SHOWN else ""
    return ", ".join(shown) + more


def check(session: Session, customer_id: str, final_state: dict[str, list[dict[str, Any]]]) -> list[str]:
    """One failure message per assertion that does not hold."""
    failures = []
    for table, checks in final_state.items():
        rows = _rows(session, table, customer_id)
        for item in checks:
            filters = {k: v for k, v in item.items() if k != "count"}
            hits = [r for r in rows if all(_holds(table, r, k, v) for k, v in filters.items())]
            want = item.get("count")
            if (want is None and hits) or (want is not None and len(hits) == want):
                continue
            wanted = f"{want}" if want is not None else "at least 1"
            where = ", ".join(f"{k}={describe(v)}" for k, v in filters.items()) or "any row"
            shown = [c for f in filters for c in ([k for k in KEYED[table][0] if k != "id"] if f == "ref" else [f])]
            failures.append(f"final_state: expected {wanted} {table} row(s) with {where}; found {len(hits)} "
                            f"(rows: {_show(rows, shown or ['id'])})")
    return failures
