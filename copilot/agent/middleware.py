"""Middleware around the model steps: which tools a model may call, how many, within what time and context budget.

`ToolGate` (every provider) admits a step's tool calls before any runs: only tools offered in the step, at most
`PER_STEP` calls a step and `PER_TURN` a turn, and at most one write waiting for a yes; a refused call is audited,
traced and answered to the model as an error. For an LLM, `ToolSelection` binds only the tools of the
capabilities the understanding model finds likely, `ContextBudget` fits system prompt, tool schemas, history and
tool results into the token budget, and `ModelGuard` keeps each call inside the turn's deadline, retries what is
transient, gives unparseable tool calls one repair round, refuses cut-off streams, counts tokens locally when the
endpoint reports none, and traces every request and response.
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache

import openai
from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from copilot.agent import safety
from copilot.agent.capabilities import capability_table
from copilot.agent.providers import EmptyStream, UnparseableArguments
from copilot.agent.turn import TurnContext
from copilot.config import Settings
from copilot.nlu.model import get_understanding
from copilot.prompts import system_prompt
from copilot.tokens import count_tokens
from tools import REGISTRY, reject

TOOL_AS_TEXT = re.compile(r"(?:functions\.)?(\w+):?(?:\s|$)")   # "functions.get_balances:\n{...}" as a reply's words
ALWAYS = ("search_knowledge",)
HANDOFF = "handoff_to_agent"   # offered when the table reads a hand-off or the customer asks for a person or is in
                               # distress; never in a support agent's suggestion (nor are writes)
LIKELY = 0.1             # a capability at least this likely lends the model its tools
DECLINE = 0.6            # a declining capability this likely makes a tool-less answer a decline
TOOL_RESULT_SHARE = 0.45  # of the room left after system prompt and schemas
PER_STEP, PER_TURN = 5, 8
MODEL_STEPS = 4          # model calls a turn; the last one is offered no tools, so it must answer
MESSAGE_OVERHEAD = 4     # tokens of role and separators per message
TRANSIENT = (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError, openai.RateLimitError)
REPAIR = ("Your last reply called a tool with arguments that are not valid JSON ({problems}). Call the tool again "
          "with a JSON object as its arguments, or answer in plain text.")


class ModelUnusable(RuntimeError):
    """The model gave nothing the product can use (cut-off stream, empty reply, arguments that never parse)."""


class TurnDeadline(TimeoutError):
    """The turn's time for model calls is spent."""


def message_tokens(message) -> int:
    calls = json.dumps(getattr(message, "tool_calls", None) or []) if isinstance(message, AIMessage) else ""
    return count_tokens(str(message.content or "")) + count_tokens(calls) + MESSAGE_OVERHEAD


@lru_cache(maxsize=256)
def _schema_tokens(name: str, schema: str) -> int:
    return count_tokens(schema)


def schema_tokens(tools) -> int:
    total = 0
    for tool in tools:
        schema = convert_to_openai_tool(tool)
        total += _schema_tokens(schema["function"]["name"], json.dumps(schema))
    return total


class ToolSelection(AgentMiddleware):
    """Bind only the tools of the likely capabilities (read once a turn); note the route the table suggests."""

    def wrap_model_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        if turn.model.offered is None:
            wanted = self._likely(turn)
            turn.model.offered = {t.name for t in request.tools if getattr(t, "name", None) in wanted}
        tools = [t for t in request.tools if getattr(t, "name", None) in turn.model.offered]
        system = SystemMessage(system_prompt(turn.profile.first_name))
        return handler(request.override(tools=tools, system_message=system, tool_choice="auto" if tools else None))

    @staticmethod
    def _likely(turn: TurnContext) -> set[str]:
        reading = get_understanding().read(turn.user_text)
        scored = capability_table().scored(reading.actions, reading.topics)
        wanted = set(ALWAYS)
        for score, capability, _ in scored[:3]:
            if score >= LIKELY:
                wanted.update(capability.tools + ([capability.lookup] if capability.lookup else []))
        top_score, top, _ = scored[0]
        turn.hint = top.route if top_score >= DECLINE else None
        if safety.asks_for_person(turn.user_text) or safety.distressed(turn.user_text):
            wanted.add(HANDOFF)
        if turn.tool_ctx.role == "support_agent":          # agents ask how we do things; they act in their own tools
            wanted = {name for name in wanted if not REGISTRY[name].writes and name != HANDOFF}
        return wanted


class ContextBudget(AgentMiddleware):
    """Fit one request into the token budget: system prompt and tool schemas first, then the newest tool results
    whole and older ones trimmed, then as much history as is left (oldest dropped first)."""

    def __init__(self, budget_tokens: int) -> None:
        super().__init__()
        self.budget = budget_tokens

    def wrap_model_call(self, request, handler):
        fixed = schema_tokens(request.tools) + (message_tokens(request.system_message) if request.system_message else 0)
        room = self.budget - fixed
        allowance, messages = int(room * TOOL_RESULT_SHARE), []
        for message in reversed(request.messages):
            if isinstance(message, ToolMessage):
                message = _trimmed(message, allowance)
                allowance -= message_tokens(message)
            messages.append(message)
        messages.reverse()
        asked = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        while asked > 0 and sum(map(message_tokens, messages)) > room:
            messages.pop(0)                         # the oldest history goes first; this turn's steps stay
            asked -= 1
        return handler(request.override(messages=messages))


def _trimmed(message: ToolMessage, allowance: int) -> ToolMessage:
    if message_tokens(message) <= allowance:
        return message
    keep = max(0, allowance - 2 * MESSAGE_OVERHEAD) * 3          # ~3 characters a token, a safe under-estimate
    return ToolMessage(content=str(message.content)[:keep] + " …[trimmed to fit the context budget]",
                       tool_call_id=message.tool_call_id, status=message.status)


class ToolGate(AgentMiddleware):
    """Admit a step's tool calls in the order the model wrote them, before any of them runs."""

    def after_model(self, state, runtime):
        turn: TurnContext = runtime.context
        step = state["messages"][-1]
        if not isinstance(step, AIMessage):
            return None
        waiting = any(o.status in ("confirm", "step_up_required") for o in turn.outcomes)
        admitted = 0
        for call in step.tool_calls:
            problem = self._problem(turn, call["name"], admitted, waiting)
            if problem:
                status = "not_found" if call["name"] not in REGISTRY else "error"
                turn.model.refused[call["id"]] = reject(turn.tool_ctx, call["name"], call.get("args") or {}, status,
                                                        problem)
                turn.outcomes.append(turn.model.refused[call["id"]])
                continue
            admitted += 1
            waiting = waiting or REGISTRY[call["name"]].writes
        return None

    @staticmethod
    def _problem(turn: TurnContext, name: str, admitted: int, waiting: bool) -> str | None:
        spec = REGISTRY.get(name)
        if spec is None:
            return f"unknown tool {name!r}"
        if turn.model.offered is not None and name not in turn.model.offered:
            return f"{name} is not available for this request"
        if admitted >= PER_STEP or sum(o.status != "error" for o in turn.outcomes) >= PER_TURN:
            return "tool call budget spent: answer with what you have"
        if spec.writes and waiting:
            return "one change at a time: a change already waits for the customer's confirmation"
        return None

    def wrap_tool_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        outcome = turn.model.refused.get(request.tool_call["id"])
        if outcome is None:
            return handler(request)
        return ToolMessage(content=json.dumps({"status": outcome.status, "error": outcome.error}),
                           tool_call_id=request.tool_call["id"], name=request.tool_call["name"], status="error")


class ModelGuard(AgentMiddleware):
    """Each model call within the turn's deadline and step budget, retried when transient, repaired once when its
    tool arguments do not parse, refused when cut off; tokens and the exchange recorded on the turn."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.timeout, self.tries = settings.openai_timeout_s, 1 + settings.openai_max_retries

    def wrap_model_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        turn.model.calls += 1
        if turn.model.calls >= MODEL_STEPS:
            request = request.override(tools=[], tool_choice=None)   # the last step must answer in words
        response, problems = self._parsed(turn, request, handler)
        if problems:
            repair = [*request.messages, HumanMessage(REPAIR.format(problems=problems))]
            response, again = self._parsed(turn, request.override(messages=repair), handler)
            if again:
                raise ModelUnusable(f"tool arguments did not parse twice: {problems}; {again}")
        reply = response.result[-1]
        said = str(reply.content).strip()
        named = TOOL_AS_TEXT.match(said)
        if not reply.tool_calls and (not said or named and named.group(1) in REGISTRY):
            raise ModelUnusable(f"the model answered nothing but {said[:80]!r}")
        return response

    def _parsed(self, turn: TurnContext, request, handler):
        """(response, what did not parse in its tool calls, or "")."""
        try:
            response = self._call(turn, request, handler)
        except UnparseableArguments as exc:
            return None, str(exc)
        bad = response.result[-1].invalid_tool_calls
        return response, "; ".join(f"{c.get('name')}: {c.get('error') or 'not valid JSON'}" for c in bad)

    def _call(self, turn: TurnContext, request, handler):
        last: Exception | None = None
        for _ in range(self.tries):
            remaining = turn.model.deadline - time.monotonic()
            if remaining <= 0.05:
                raise TurnDeadline(f"the turn's deadline passed ({type(last).__name__ if last else 'no reply'})")
            started = time.perf_counter()
            try:
                response = handler(request.override(
                    model_settings={**request.model_settings, "timeout": min(self.timeout, remaining)}))
            except TRANSIENT as exc:
                last = exc
                continue
            except EmptyStream as exc:
                raise ModelUnusable(str(exc)) from exc
            reply = response.result[-1]
            finish = reply.response_metadata.get("finish_reason")
            self._record(turn, request, reply, round((time.perf_counter() - started) * 1000, 1))
            if finish not in ("stop", "tool_calls", "function_call"):
                raise ModelUnusable(f"the reply ended without finishing (finish_reason={finish!r})")
            return response
        raise ModelUnusable(f"the endpoint failed {self.tries} times: {type(last).__name__}")

    @staticmethod
    def _record(turn: TurnContext, request, reply: AIMessage, ms: float) -> None:
        counted = schema_tokens(request.tools) + sum(map(message_tokens, [request.system_message, *request.messages]
                                                                          if request.system_message else request.messages))
        usage = reply.usage_metadata or {}
        prompt = usage.get("input_tokens") or counted
        completion = usage.get("output_tokens") or message_tokens(reply)
        turn.model.prompt_tokens += prompt
        turn.model.completion_tokens += completion
        turn.model.steps.append({
            "ms": ms, "tools": [t.name for t in request.tools], "prompt_tokens": prompt,
            "completion_tokens": completion, "counted": "endpoint" if usage else "local",
            "request": [{"role": m.type, "content": str(m.content)[:2000],
                         **({"tool_calls": m.tool_calls} if isinstance(m, AIMessage) and m.tool_calls else {})}
                        for m in request.messages],
            "response": {"content": str(reply.content), "tool_calls": reply.tool_calls,
                         "invalid_tool_calls": reply.invalid_tool_calls,
                         "finish_reason": reply.response_metadata.get("finish_reason")}})


def llm_middleware(settings: Settings) -> list[AgentMiddleware]:
    return [ToolSelection(), ContextBudget(settings.context_budget_tokens), ModelGuard(settings), ToolGate()]
