"""LLM path: prompt tokens per turn with the copilot's context budgeting versus a naive agent, one scripted chat.

Both agents run the same five-turn conversation through the real loop (guard, consent gate, tools, filters)
against the scripted OpenAI-compatible server of tests/agent/fake_openai.py, which records every request body.
The budgeted agent is the product: only the relevant tools bound, tool results and history within
COPILOT_CONTEXT_BUDGET_TOKENS. The naive agent binds every tool schema, pastes the top retrieved chunks into
the system prompt on every model call and trims nothing. Tokens are counted on the recorded request bodies
(messages and tool schemas as JSON, tiktoken cl100k), the same way for both.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cached_property
from pathlib import Path

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import SystemMessage

from copilot.agent.loop import Copilot
from copilot.agent.providers import make_chat_model
from copilot.agent.toolkit import langchain_tools
from copilot.agent.turn import TurnContext
from copilot.bench.stats import ratio, summary
from copilot.bench.workspace import isolated_settings
from copilot.config import Settings
from copilot.prompts import system_prompt
from copilot.runtime import Runtime
from copilot.tokens import count_tokens

FAKE_OPENAI = Path(__file__).resolve().parents[2] / "tests" / "agent" / "fake_openai.py"
NAIVE_CHUNKS = 5
CONVERSATION = [   # (customer message, the tool the scripted model calls, its final answer)
    ("how much money do I have?", ("get_balances", {}), "Here are your balances."),
    ("what's the fee for using my card abroad?", ("search_knowledge", {"query": "foreign transaction fee"}),
     "Card payments abroad have a foreign transaction fee, as the fee schedule explains."),
    ("where did my money go last month?", ("spending_summary", {}), "Here is where your money went last month."),
    ("any bills coming up?", ("upcoming_bills", {}), "Here are your upcoming bills."),
    ("anything suspicious on my cards?", ("fraud_alerts", {}), "Here is what looks unusual on your cards."),
]


def _fake_openai():
    """The scripted server module from the source tree (it is test code, not part of the installed package)."""
    if not FAKE_OPENAI.exists():
        raise FileNotFoundError(f"{FAKE_OPENAI} is missing: the LLM-path figure needs a source checkout")
    spec = importlib.util.spec_from_file_location("copilot_bench_fake_openai", FAKE_OPENAI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def request_tokens(body: dict) -> int:
    return count_tokens(json.dumps(body.get("messages", []))) + count_tokens(json.dumps(body.get("tools", [])))


class StuffedChunks(AgentMiddleware):
    """The naive context: the system prompt followed by the top retrieved chunks for the customer's message."""

    def wrap_model_call(self, request, handler):
        turn: TurnContext = request.runtime.context
        hits = turn.tool_ctx.retriever.search(turn.user_text, k=NAIVE_CHUNKS).hits
        documents = "\n\n".join(f"[{hit.citation}] {hit.title}: {hit.text}" for hit in hits)
        system = f"{system_prompt(turn.profile.first_name)}\n\nRelevant documents:\n{documents}"
        return handler(request.override(system_message=SystemMessage(system)))


class NaiveCopilot(Copilot):
    """The same loop with a naive LLM context: every tool bound, chunks stuffed, no trimming or step limit."""

    @cached_property
    def agent(self):
        return create_agent(make_chat_model(self.settings), langchain_tools(), middleware=[StuffedChunks()],
                            context_schema=TurnContext)


def _converse(kind: type[Copilot], settings: Settings, module) -> tuple[list[int], list[str]]:
    """Prompt tokens of each turn, and the turns that fell back to the offline planner."""
    replies = [reply for _, (name, args), answer in CONVERSATION
               for reply in ({"tool_calls": [{"name": name, "arguments": args}]}, {"content": answer})]
    script = module.Script(*replies)
    per_turn, fallbacks = [], []
    with module.serve(script) as url:
        bot = kind(Runtime(settings.model_copy(update={"openai_base_url": url})))
        conversation = bot.start("demo-debt")
        for text, _, _ in CONVERSATION:
            seen = len(script.requests)
            result = bot.send(conversation, text)
            per_turn.append(sum(request_tokens(body) for body in script.requests[seen:]))
            if any(rule.startswith("llm_unavailable") for rule in result.guard.get("untrusted", [])):
                fallbacks.append(text)
    return per_turn, fallbacks


def context_tokens(base: Settings, data_dir: Path) -> dict:
    """Per-turn prompt tokens, budgeted vs naive, and their ratio (naive / budgeted)."""
    module = _fake_openai()
    llm = dict(provider="openai:scripted-model", openai_api_key="sk-bench", openai_streaming=False,
               openai_timeout_s=30, openai_max_retries=0)
    budgeted, budget_fallbacks = _converse(Copilot, isolated_settings(base, data_dir, **llm), module)
    naive, naive_fallbacks = _converse(NaiveCopilot, isolated_settings(base, data_dir, context_budget_tokens=200_000,
                                                                       **llm), module)
    b, n = summary(budgeted, "tokens", 0), summary(naive, "tokens", 0)
    return {"budgeted": b, "naive": n, "ratio_median": ratio(n["median"], b["median"]),
            "ratio_total": ratio(sum(naive), sum(budgeted)), "budget_tokens": base.context_budget_tokens,
            "fallbacks": budget_fallbacks + naive_fallbacks}
