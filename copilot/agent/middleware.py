"""Middleware for the LLM path: lean tool selection and a budgeted context, one repair round, bounded steps.

The offline planner needs none of this; an LLM gets only the tools the classifier finds relevant (plus
knowledge search and hand-off), tool results trimmed to the budget, and at most a few model steps.
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware, ModelCallLimitMiddleware
from langchain_core.messages import SystemMessage, ToolMessage

from copilot.agent.planner import TOOL_FOR, Plan, Planner
from copilot.agent.turn import TurnContext
from copilot.config import Settings
from copilot.prompts import system_prompt
from copilot.tokens import count_tokens

ALWAYS = ("search_knowledge", "handoff_to_agent")
RELATED = {"dispute": ("search_transactions", "fraud_alerts", "dispute_transaction"),
           "fraud_check": ("fraud_alerts", "freeze_card", "dispute_transaction", "search_transactions"),
           "debt_payoff": ("debt_payoff_plan", "credit_guidance"), "savings_plan": ("savings_goal_plan", "cash_flow_forecast"),
           "create_goal": ("create_savings_goal", "savings_goal_plan"), "freeze_card": ("freeze_card",),
           "budget_status": ("budget_status", "spending_summary"), "set_budget": ("set_budget", "budget_status")}
DECLINE = {"out_of_scope", "investment_advice"}
TOOL_RESULT_SHARE = 0.45


class ToolSelection(AgentMiddleware):
    """Bind only the tools relevant to the message's top intents; record the intent for routing."""

    def __init__(self, planner: Planner) -> None:
        super().__init__()
        self.planner = planner

    def wrap_model_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        ranking = self.planner.classifier.rank(turn.user_text, top=3)
        wanted = set(ALWAYS)
        for score in ranking:
            wanted.update(RELATED.get(score.intent, ()))
            if score.intent in TOOL_FOR:
                wanted.add(TOOL_FOR[score.intent])
        if turn.plan is None:
            top = ranking[0]
            turn.plan = Plan(top.intent, top.confidence, route="decline" if top.intent in DECLINE and
                             top.confidence >= 0.6 else "answer")
        tools = [t for t in request.tools if getattr(t, "name", None) in wanted]
        system = SystemMessage(system_prompt(turn.profile.first_name))
        return handler(request.override(tools=tools, system_message=system))


class ContextBudget(AgentMiddleware):
    """Keep tool results within their share of the token budget (newest kept whole, older ones trimmed)."""

    def __init__(self, budget_tokens: int) -> None:
        super().__init__()
        self.allowance = int(budget_tokens * TOOL_RESULT_SHARE)

    def wrap_model_call(self, request, handler):
        remaining, trimmed = self.allowance, []
        for message in reversed(request.messages):
            if isinstance(message, ToolMessage):
                cost = count_tokens(str(message.content))
                if cost > remaining:
                    keep = max(0, remaining) * 3           # ~3 characters a token, a safe under-estimate
                    message = ToolMessage(content=str(message.content)[:keep] + " …[trimmed to fit the context budget]",
                                          tool_call_id=message.tool_call_id, status=message.status)
                    cost = count_tokens(str(message.content))
                remaining -= cost
            trimmed.append(message)
        return handler(request.override(messages=trimmed[::-1]))


def llm_middleware(settings: Settings, planner: Planner) -> list[AgentMiddleware]:
    return [ToolSelection(planner), ContextBudget(settings.context_budget_tokens),
            ModelCallLimitMiddleware(run_limit=4, exit_behavior="end")]
