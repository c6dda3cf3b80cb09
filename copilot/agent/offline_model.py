"""The embedded `offline` provider as a LangChain chat model: the understanding model reads the customer's message,
the planner decides the tool calls, the composer answers once their results are in.

Like pydantic-ai's FunctionModel it sees only the messages: the Frame (dialogue state, the customer's names, the
day), the customer's message, its own earlier steps (the plan rides along in `additional_kwargs`) and the tool
results. It runs inside the same create_agent loop as any LLM, so the consent gate, filters and audit are shared.
"""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from copilot.agent.composer import compose
from copilot.agent.planner import Planner
from copilot.agent.plans import Plan, ToolCall
from copilot.agent.turn import Frame
from copilot.context import KnowledgeHit
from copilot.nlu.model import get_understanding
from tools import ToolOutcome


def _step(plan: Plan, calls: list[ToolCall] | None = None, content: str = "") -> AIMessage:
    tool_calls = [{"name": c.name, "args": c.args, "id": f"call_{uuid.uuid4().hex[:12]}"} for c in calls or []]
    return AIMessage(content=content, tool_calls=tool_calls, additional_kwargs={"plan": plan.to_dict()})


def plan_of(messages: list[BaseMessage]) -> Plan | None:
    """The offline model's latest plan in a conversation's messages (the loop reads it to update the state)."""
    step = next((m for m in reversed(messages) if isinstance(m, AIMessage) and "plan" in m.additional_kwargs), None)
    return Plan.from_dict(step.additional_kwargs["plan"]) if step else None


def _hits(outcomes: list[ToolOutcome]) -> list[KnowledgeHit]:
    return [KnowledgeHit(audience=o.result.get("audience", "customer"), **hit)
            for o in outcomes if o.name == "search_knowledge" and o.result for hit in o.result.get("hits", [])]


class OfflinePlannerModel(BaseChatModel):
    """Deterministic, no network: plan on the customer's message, compose once the tool results are in."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    planner: Any = None

    @property
    def _llm_type(self) -> str:
        return "copilot-offline"

    def bind_tools(self, tools, **kwargs) -> OfflinePlannerModel:
        return self

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        planner: Planner = self.planner or Planner()
        frame = Frame.of(messages)
        asked = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        text = str(messages[asked].content)
        since = messages[asked + 1:]
        plan = plan_of(since)
        outcomes = [ToolOutcome.model_validate(m.artifact) for m in since if isinstance(m, ToolMessage) and m.artifact]
        if plan is None:
            plan = planner.plan(get_understanding().read(text), frame.state, frame.profile, frame.today, frame.role,
                                waiting=bool(frame.waiting))
            calls = plan.calls
        else:
            calls = planner.next_calls(plan, outcomes)
        if calls:
            reply = _step(plan, calls)
        else:
            planner.offered(plan, outcomes)
            reply = _step(plan, content=compose(plan, outcomes, _hits(outcomes), frame.profile, text, frame.consents))
        return ChatResult(generations=[ChatGeneration(message=reply)])
