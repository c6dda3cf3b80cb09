"""The public face of the tools package: the registry, schemas, outcomes, and running / confirming tool calls.

Other components import from here (or from `tools`); the pieces live in spec.py, runner.py and actions.py.
"""

from __future__ import annotations

from tools.actions import cancel_action, confirm_action, open_pending_actions
from tools.runner import check_consent, reject, run_tool
from tools.spec import REGISTRY, ToolOutcome, ToolSpec, openai_tool_schemas

# The contract tool names (DESIGN.md 4.2), in the order tools are listed; * = writes
CONTRACT_TOOLS = ("get_balances", "search_transactions", "spending_summary", "budget_status", "set_budget",
                  "upcoming_bills", "debt_payoff_plan", "savings_goal_plan", "create_savings_goal", "fraud_alerts",
                  "freeze_card", "unfreeze_card", "dispute_transaction", "credit_guidance", "cash_flow_forecast",
                  "search_knowledge", "handoff_to_agent", "transfer_between_accounts", "pay_card", "pay_bill",
                  "send_money", "add_payee", "schedule_transfer", "list_scheduled", "cancel_scheduled", "list_payees")

__all__ = ["CONTRACT_TOOLS", "REGISTRY", "ToolOutcome", "ToolSpec", "cancel_action", "confirm_action", "open_pending_actions",
           "check_consent", "openai_tool_schemas", "reject", "run_tool"]
