"""The banking tools the agent may call, one concern per module; importing the package registers them all (the 26 of
the contract first, in its order, then the extra reads).

Public interface (see registry.py): REGISTRY, ToolSpec, ToolOutcome, openai_tool_schemas, run_tool,
confirm_action, cancel_action, open_pending_actions.
"""

from tools import (balances, bills, budgets, cards, cashflow, credit, debt, disputes, fraud,  # noqa: F401
                   payees, payments, savings, scheduled, spending, support, transactions)
from tools.registry import (CONTRACT_TOOLS, REGISTRY, ToolOutcome, ToolSpec, cancel_action, check_consent,
                            confirm_action,
                            open_pending_actions, openai_tool_schemas, reject, run_tool)

for _name in [*CONTRACT_TOOLS, *(n for n in list(REGISTRY) if n not in CONTRACT_TOOLS)]:
    REGISTRY[_name] = REGISTRY.pop(_name)         # the contract's tools first, in its order

__all__ = ["CONTRACT_TOOLS", "REGISTRY", "ToolOutcome", "ToolSpec", "cancel_action", "confirm_action", "open_pending_actions",
           "check_consent", "openai_tool_schemas", "reject", "run_tool"]
