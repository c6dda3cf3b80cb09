"""Middleware for the LLM path: the same capabilities choose the tools, a budgeted context, bounded steps.

An LLM gets only the tools of the capabilities the understanding model finds likely (plus knowledge search and
hand-off), tool results trimmed to the budget, and at most a few model steps.
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware, ModelCallLimitMiddleware
from langchain_core.messages import SystemMessage, ToolMessage

from copilot.agent.capabilities import capability_table
from copilot.agent.turn import TurnContext
from copilot.config import Settings
from copilot.nlu.model import get_understanding
from copilot.prompts import system_prompt
from copilot.tokens import count_tokens

ALWAYS = ("search_knowledge", "handoff_to_agent")
LIKELY = 0.1             # a capability at least this likely lends the model its tools
DECLINE = 0.6            # a declining capability this likely makes a tool-less answer a decline
TOOL_RESULT_SHARE = 0.45


class ToolSelection(AgentMiddleware):
    """Bind only the tools of the likely capabilities; note the route the table suggests."""

    def wrap_model_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        reading = get_understanding().read(turn.user_text)
        scored = capability_table().scored(reading.actions, reading.topics)
        wanted = set(ALWAYS)
        for score, capability, _ in scored[:3]:
            if score >= LIKELY:
                wanted.update(capability.tools + ([capability.lookup] if capability.lookup else []))
        top_score, top, _ = scored[0]
        turn.hint = top.route if top_score >= DECLINE else None
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


def llm_middleware(settings: Settings) -> list[AgentMiddleware]:
    return [ToolSelection(), ContextBudget(settings.context_budget_tokens),
            ModelCallLimitMiddleware(run_limit=4, exit_behavior="end")]
