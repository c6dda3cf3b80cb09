"""The registry's tools as LangChain tools: every call goes through `run_tool` (consent gate, validation, audit).

Arguments pass through unvalidated by LangChain so the registry can turn a bad argument into a structured
`invalid_args` outcome the model can repair. Text that comes back from tools is data: it is scanned for
injected instructions before any model reads it.
"""

from __future__ import annotations

import json
from functools import lru_cache

from langchain.tools import ToolRuntime
from langchain_core.tools import StructuredTool

from copilot.agent.turn import TurnContext
from copilot.compliance import scan_untrusted
from copilot.context import KnowledgeHit
from tools import REGISTRY, openai_tool_schemas, run_tool

MAX_TOOL_TEXT = 6000     # characters of a tool result a model may read


@lru_cache(maxsize=8192)
def _scan(text: str) -> tuple[str, tuple[str, ...]]:
    """scan_untrusted, remembered: KB chunks and merchant names recur in every conversation."""
    decision = scan_untrusted(text)
    return (decision.text, tuple(decision.rule_ids)) if decision.verdict != "allow" else (text, ())


def _neutralise(turn: TurnContext, payload: dict) -> dict:
    """Scan every string inside a tool result for instructions; replace poisoned text, remember the rule. A knowledge
    hit screened at ingest under the policy in force (knowledge.screening: title, section and text) is not scanned
    again."""

    def clean(value):
        if isinstance(value, str) and len(value) > 12:
            text, rules = _scan(value)
            if rules:
                turn.untrusted_rules.extend(rules)
                return text
        if isinstance(value, dict):
            return value if value.get("screened") is True else {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(payload)


def _make(name: str, parameters: dict, description: str) -> StructuredTool:
    def call(runtime: ToolRuntime, **kwargs) -> tuple[str, dict]:
        turn: TurnContext = runtime.context
        outcome = run_tool(turn.tool_ctx, name, kwargs)
        if outcome.result:
            outcome.result = _neutralise(turn, outcome.result)
            if name == "search_knowledge":
                audience = outcome.result.get("audience", "customer")
                turn.hits.extend(KnowledgeHit(audience=audience, **hit) for hit in outcome.result.get("hits", []))
        turn.outcomes.append(outcome)
        content = json.dumps(outcome.model_dump(exclude={"latency_ms"}), default=str)[:MAX_TOOL_TEXT]
        return content, outcome.model_dump()

    return StructuredTool.from_function(func=call, name=name, description=description, args_schema=parameters,
                                        response_format="content_and_artifact")


def langchain_tools() -> list[StructuredTool]:
    schemas = {s["function"]["name"]: s["function"] for s in openai_tool_schemas()}
    return [_make(name, schemas[name]["parameters"], schemas[name]["description"]) for name in REGISTRY]
