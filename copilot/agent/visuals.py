"""Pictures where people would rather look than read: chart data derived from tool results (rendered by the pages)."""

from __future__ import annotations


def _spending(result: dict) -> dict:
    rows = result.get("by_category") or result.get("by_merchant") or []
    key = "category" if "by_category" in result else "merchant"
    return {"kind": "bar", "title": f"Spending, {result['period']['label']}", "currency": result.get("currency"),
            "series": [{"label": str(r[key]).replace("_", " "), "value": r["amount"], "usual": r.get("usual")}
                       for r in rows]}


def _budgets(result: dict) -> dict:
    return {"kind": "progress", "title": f"Budgets, {result['month']['label']}", "currency": result.get("currency"),
            "series": [{"label": b["category"].replace("_", " "), "value": b["spent"], "limit": b["limit"],
                        "forecast": b.get("forecast_month_end"), "at_risk": b.get("at_risk")}
                       for b in result.get("budgets", [])]}


def _payoff(result: dict) -> dict:
    return {"kind": "line", "title": "Debt balance over time (estimate)", "currency": "USD",
            "series": [{"label": row["date"], "value": row["balance"]} for row in result.get("schedule", [])],
            "milestones": [{"label": d["name"], "date": d.get("payoff_date")} for d in result.get("per_debt", [])]}


def _goal(result: dict) -> dict:
    goal = ("projected", result.get("projected_total")) if result.get("projection") else \
        ("target", result.get("target_amount"))
    return {"kind": "goal", "title": f"Savings goal by {result.get('target_date')}", "currency": result.get("currency"),
            "series": [{"label": "saved", "value": result.get("saved_so_far", 0)},
                       {"label": goal[0], "value": goal[1]}],
            "monthly": result.get("monthly")}


CHARTS = {"spending_summary": _spending, "budget_status": _budgets, "debt_payoff_plan": _payoff,
          "savings_goal_plan": _goal}


def ui_blocks(outcomes: list) -> list[dict]:
    blocks = []
    for outcome in outcomes:
        chart = CHARTS.get(outcome.name)
        if chart and outcome.status == "ok" and outcome.result and not outcome.result.get("reached"):
            blocks.append({"tool": outcome.name, **chart(outcome.result)})
    return blocks
