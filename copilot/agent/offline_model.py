"""The embedded `offline` provider as a LangChain chat model: the planner decides tool calls, the composer answers.

It runs inside the same create_agent loop as any LLM, so the consent gate, filters, audit and trace are shared.
The per-turn state comes from the graph's runtime context (langgraph `get_runtime`).
"""

from __future__ import annotations

import uuid

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.runtime import get_runtime

from copilot.agent.composer import compose
from copilot.agent.planner import ToolCall
from copilot.agent.turn import TurnContext
from tools import check_consent


def _tool_message(calls: list[ToolCall]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": c.name, "args": c.args, "id": f"call_{uuid.uuid4().hex[:12]}"}
                                             for c in calls])


class OfflinePlannerModel(BaseChatModel):
    """Deterministic, no network: plan on the customer's message, compose once the tool results are in."""

    @property
    def _llm_type(self) -> str:
        return "copilot-offline"

    def bind_tools(self, tools, **kwargs) -> OfflinePlannerModel:
        return self

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        turn: TurnContext = get_runtime().context
        if isinstance(messages[-1], HumanMessage):
            turn.plan = turn.planner.plan(turn.user_text, turn.state, turn.profile, turn.tool_ctx.now.date(),
                                          turn.tool_ctx.role)
            self._consent_before_questions(turn)
            reply = _tool_message(turn.plan.calls) if turn.plan.calls else AIMessage(content=compose(turn))
        else:
            more = turn.planner.next_calls(turn.plan, turn.outcomes, turn.profile)
            reply = _tool_message(more) if more else AIMessage(content=compose(turn))
        return ChatResult(generations=[ChatGeneration(message=reply)])

    @staticmethod
    def _consent_before_questions(turn: TurnContext) -> None:
        """No point asking "which card?" when the customer hasn't allowed card actions: ask for consent first."""
        tool = turn.plan.data.get("tool")
        if turn.plan.route == "clarify" and tool:
            refusal = check_consent(turn.tool_ctx, tool)
            if refusal:
                turn.outcomes.append(refusal)
                turn.plan.reply = None
