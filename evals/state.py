"""final_state assertions: after the last turn, rows of the customer's bank must (or must not) exist.

    final_state:
      cards:    [{name: Cashback Visa, status: frozen}]        # at least one such row
      budgets:  [{category: dining, monthly_limit: 200}]
      disputes: [{count: 0}]                                   # exactly `count` matching rows

Each item is a set of column filters (matched with evals.matching) plus an optional `count`; without `count`
at least one row must match. Only the case customer's rows are considered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from copilot.store.models import (Account, Budget, Card, Consent, Dispute, Handoff, PendingAction, SavingsGoal,
                                  Transaction)
from evals.matching import describe, matches

TABLES = {"accounts": Account, "cards": Card, "budgets": Budget, "savings_goals": SavingsGoal,
          "disputes": Dispute, "handoffs": Handoff, "pending_actions": PendingAction, "consents": Consent,
          "transactions": Transaction}
SHOWN = 3          # rows quoted in a failure message


def columns(table: str) -> list[str]:
    return [c.key for c in inspect(TABLES[table]).columns]


def validate(final_state: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Problems with the assertions themselves (unknown table or column, bad count), as field-path messages."""
    problems = []
    for table, checks in final_state.items():
        if table not in TABLES:
            problems.append(f"final_state.{table}: unknown table; known: {', '.join(TABLES)}")
            continue
        known = set(columns(table))
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
            hits = [r for r in rows if all(matches(v, r.get(k)) for k, v in filters.items())]
            want = item.get("count")
            if (want is None and hits) or (want is not None and len(hits) == want):
                continue
            wanted = f"{want}" if want is not None else "at least 1"
            where = ", ".join(f"{k}={describe(v)}" for k, v in filters.items()) or "any row"
            failures.append(f"final_state: expected {wanted} {table} row(s) with {where}; found {len(hits)} "
                            f"(rows: {_show(rows, list(filters) or ['id'])})")
    return failures
