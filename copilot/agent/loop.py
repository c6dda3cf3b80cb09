"""The Copilot service: one turn = input guard -> agent loop (tools through the consent gate) -> output filters
-> exactly one route -> persisted messages, trace and audit. The API server, the terminal chat and the eval
harness all use this class.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from copilot import audit
from copilot.agent import composer, rules
from copilot.agent.history import budgeted_history
from copilot.agent.intents import classifier_for
from copilot.agent.middleware import llm_middleware
from copilot.agent.planner import Planner
from copilot.agent.providers import make_chat_model
from copilot.agent.routing import decide_route
from copilot.agent.state import DialogueState, load_profile
from copilot.agent.turn import TurnContext
from copilot.agent.toolkit import langchain_tools
from copilot.agent.visuals import ui_blocks
from copilot.compliance import PiiVault, guard_input
from copilot.compliance.types import Decision
from copilot.config import load_settings
from copilot.context import ToolContext
from copilot.prompts import system_prompt
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Message, TurnTrace
from copilot.tokens import count_tokens
from tools import cancel_action, confirm_action, open_pending_actions


def mentioned_card(outcome) -> str | None:
    """The card a tool result is about: the card acted on, or the card of the most serious fraud alert."""
    result = outcome.result or {}
    if isinstance(result.get("card"), dict):
        return result["card"].get("id")
    if outcome.name in ("freeze_card", "unfreeze_card"):
        return outcome.args.get("card")
    alerts = sorted(result.get("alerts", []), key=lambda a: (not a.get("fraud_suspected"),
                                                             {"high": 0, "medium": 1}.get(a.get("severity"), 2)))
    return alerts[0]["card"]["id"] if alerts and alerts[0].get("card") else None


def mentioned_charge(outcome) -> str | None:
    """The charge a tool result is about: the most serious alert's, or the only transaction found."""
    result = outcome.result or {}
    alerts = [a for a in result.get("alerts", []) if a.get("kind") != "price_rise"]
    if alerts:
        top = sorted(alerts, key=lambda a: (not a.get("fraud_suspected"), {"high": 0, "medium": 1}.get(a.get("severity"), 2)))
        return top[0]["evidence"]["transactions"][0]["id"]
    spent = [t for t in result.get("transactions", []) if t.get("amount", 0) < 0]
    return spent[0]["id"] if len(spent) == 1 else None


class ConversationNotFound(LookupError):
    """No such conversation for this customer."""


@dataclass
class TurnResult:
    """Everything a client or the eval harness needs about one assistant turn (DESIGN.md §4.6)."""

    conversation_id: str
    route: str
    answer: str
    tools: list[dict] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    guard: dict = field(default_factory=dict)
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    pending_action: dict | None = None
    consent_request: dict | None = None
    ui: list[dict] = field(default_factory=list)
    intent: str | None = None
    provider: str = "offline"
    trace_id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class Copilot:
    """Start and continue conversations; every turn leaves one trace and exactly one route."""

    def __init__(self, runtime: Runtime, provider: str | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings if provider is None else \
            load_settings(**{**runtime.settings.model_dump(), "provider": provider})
        self.planner = Planner(classifier_for(self.settings))

    @cached_property
    def agent(self):
        llm = self.settings.provider_kind != "offline"
        return create_agent(make_chat_model(self.settings), langchain_tools(),
                            system_prompt=system_prompt() if llm else None,
                            middleware=llm_middleware(self.settings, self.planner) if llm else (),
                            context_schema=TurnContext)

    @cached_property
    def offline_agent(self):
        """The embedded planner, also the fallback when an LLM endpoint fails."""
        if self.settings.provider_kind == "offline":
            return self.agent
        return Copilot(self.runtime, provider="offline").agent

    # --- conversations ----------------------------------------------------------------------------------
    def start(self, customer_id: str, channel: str = "chat") -> str:
        self.runtime.require_customer(customer_id)
        now = self.settings.now()
        conversation = Conversation(id=f"conv-{uuid.uuid4().hex[:16]}", customer_id=customer_id, channel=channel,
                                    status="open", created_at=now, updated_at=now, state={})
        with self.runtime.db.session() as session:
            session.add(conversation)
        return conversation.id

    def _conversation(self, session, conversation_id: str, customer_id: str | None) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or (customer_id and conversation.customer_id != customer_id):
            raise ConversationNotFound(f"no conversation {conversation_id!r}")
        return conversation

    # --- one turn -----------------------------------------------------------------------------------------
    def send(self, conversation_id: str, text: str, *, customer_id: str | None = None, actor: str | None = None,
             role: str = "customer", client_message_id: str | None = None) -> TurnResult:
        started = time.perf_counter()
        with self.runtime.db.session() as session:
            conversation = self._conversation(session, conversation_id, customer_id)
            if client_message_id:
                replay = self._replay(session, conversation_id, client_message_id)
                if replay:
                    return replay
            customer_id = conversation.customer_id
            state = DialogueState.model_validate(conversation.state or {})
            profile = load_profile(session, customer_id)
        ctx = ToolContext(db=self.runtime.db, settings=self.settings, customer_id=customer_id,
                          actor=actor or f"customer:{customer_id}", role=role, now=self.settings.now(),
                          conversation_id=conversation_id, retriever=self.runtime.retriever)
        turn = TurnContext(tool_ctx=ctx, state=state, profile=profile, user_text=text, planner=self.planner)
        guard = guard_input(text)
        if guard.blocked:
            answer, route, output, tokens = guard.message, "blocked", None, (0, 0)
        else:
            answer, route, output, tokens = self._think(turn, guard.text)
        result = TurnResult(
            conversation_id=conversation_id, route=route, answer=answer,
            tools=[{"name": o.name, "args": o.args, "allowed": o.allowed, "status": o.status} for o in turn.outcomes],
            citations=composer.cited(answer),
            guard={"input": guard.trace(), "output": output.trace() if output else None,
                   "untrusted": turn.untrusted_rules},
            prompt_tokens=tokens[0], completion_tokens=tokens[1],
            pending_action=next((o.pending_action for o in turn.outcomes if o.status in ("confirm", "step_up_required")),
                                None),
            consent_request=next((o.consent for o in turn.outcomes if o.status == "consent_required"), None),
            ui=ui_blocks(turn.outcomes) if route == "answer" else [],
            intent=turn.plan.intent if turn.plan else None, provider=self.settings.provider)
        result.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        self._persist(turn, result, guard, output, client_message_id)
        return result

    def stream(self, conversation_id: str, text: str, **kwargs) -> Iterator[dict]:
        """Events for a client: tool calls, then the filtered answer in sentence-sized deltas, citations, route, trace."""
        result = self.send(conversation_id, text, **kwargs)
        for call in result.tools:
            yield {"type": "tool", **call}
        for piece in composer.sentences(result.answer):
            yield {"type": "text", "delta": piece}
        for citation in result.citations:
            yield {"type": "citation", "citation": citation}
        if result.consent_request:
            yield {"type": "consent_request", **result.consent_request}
        if result.pending_action:
            yield {"type": "confirm", **result.pending_action}
        for block in result.ui:
            yield {"type": "ui", **block}
        yield {"type": "route", "route": result.route}
        yield {"type": "done", "result": result.to_dict()}

    def _think(self, turn: TurnContext, text: str) -> tuple[str, str, Decision | None, tuple[int, int]]:
        """Confirmation of a pending write, or a trip through the agent loop; then route and output filters."""
        pending = open_pending_actions(turn.tool_ctx)
        answer = rules.yes_or_no(text) if pending else None
        correcting = answer == "deny" and rules.is_correction(text) and len(text.split()) > 3
        if answer and not correcting:
            act = confirm_action if answer == "affirm" else cancel_action
            turn.outcomes.extend(act(turn.tool_ctx, action["id"]) for action in pending)
            draft = "\n\n".join(composer.confirmation(outcome, turn.profile) for outcome in turn.outcomes)
            prompt = completion = 0
        else:
            draft, prompt, completion = self._run_agent(turn, text)
            if correcting or any(o.status == "confirm" for o in turn.outcomes):
                for action in pending:              # a new request supersedes what was waiting for a yes
                    cancel_action(turn.tool_ctx, action["id"])
        route = decide_route(turn)
        final, output = composer.release(draft, turn, route)
        if output and output.blocked:
            route = "blocked"
        return final, route, output, (prompt or count_tokens(text), completion or count_tokens(final))

    def _run_agent(self, turn: TurnContext, text: str) -> tuple[str, int, int]:
        llm = self.settings.provider_kind != "offline"
        vault = PiiVault()
        message = vault.tokenize(text)[0] if llm else text
        history = [type(m)(vault.tokenize(str(m.content))[0]) for m in budgeted_history(
            self.runtime.db, turn.tool_ctx.conversation_id, self.settings.context_budget_tokens)] if llm else []
        try:
            state = self.agent.invoke({"messages": [*history, HumanMessage(message)]}, context=turn)
        except Exception as exc:                     # noqa: BLE001 - any endpoint failure falls back, never crashes
            if not llm:
                raise
            turn.untrusted_rules.append(f"llm_unavailable:{type(exc).__name__}")
            turn.outcomes.clear()
            turn.hits.clear()
            state = self.offline_agent.invoke({"messages": [HumanMessage(text)]}, context=turn)
        messages = state["messages"]
        final = next((m for m in reversed(messages) if isinstance(m, AIMessage) and not m.tool_calls), None)
        draft = vault.restore(str(final.content)) if final and llm else (str(final.content) if final else "")
        usage = [m.usage_metadata for m in messages if isinstance(m, AIMessage) and m.usage_metadata]
        if usage:
            return draft, sum(u["input_tokens"] for u in usage), sum(u["output_tokens"] for u in usage)
        seen = [m for m in messages if isinstance(m, (HumanMessage, ToolMessage))]
        return draft, sum(count_tokens(str(m.content)) for m in seen), 0

    # --- persistence -------------------------------------------------------------------------------------
    def _persist(self, turn: TurnContext, result: TurnResult, guard: Decision, output: Decision | None,
                 client_message_id: str | None) -> None:
        ctx, now = turn.tool_ctx, turn.tool_ctx.now
        turn.state.turns += 1
        turn.state.misunderstandings = turn.state.misunderstandings + 1 if result.route == "clarify" else 0
        turn.state.awaiting = {}
        if turn.plan and result.route == "clarify" and turn.plan.data.get("tool"):
            turn.state.last_intent = turn.plan.intent          # the answer to our question continues this request
            turn.state.awaiting = {"tool": turn.plan.data["tool"], "partial": turn.plan.data.get("partial", {})}
        if turn.plan and result.route not in ("blocked", "clarify"):
            turn.state.last_intent = turn.plan.intent
            for outcome in turn.outcomes:
                turn.state.last_args[outcome.name] = outcome.args
                turn.state.last_card_id = mentioned_card(outcome) or turn.state.last_card_id
                turn.state.last_transaction_id = mentioned_charge(outcome) or turn.state.last_transaction_id
            for flag in composer.flags_for(turn):
                turn.state.flag(flag)
        with self.runtime.db.session() as session:
            conversation = self._conversation(session, ctx.conversation_id, None)
            user = Message(conversation_id=conversation.id, role="user", author=ctx.actor, content=turn.user_text,
                           client_message_id=client_message_id, created_at=now)
            reply = Message(conversation_id=conversation.id, role="assistant", author="copilot",
                            content=result.answer, route=result.route, created_at=now)
            session.add_all([user, reply])
            session.flush()
            conversation.state = turn.state.model_dump()
            conversation.updated_at = now
            if result.route == "handoff":
                conversation.status = "handoff"
            if not conversation.title:
                conversation.title = turn.user_text[:80]
            trace = TurnTrace(conversation_id=conversation.id, user_message_id=user.id, assistant_message_id=reply.id,
                              route=result.route, provider=result.provider, latency_ms=result.latency_ms,
                              prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
                              trace=result.to_dict(), created_at=now)
            session.add(trace)
            for decision in (guard, output):
                if decision is not None:
                    audit.record(session, at=now, actor=ctx.actor, role=ctx.role, kind=decision.direction,
                                 name=",".join(decision.rule_ids)[:60] or "none", decision=decision.verdict,
                                 customer_id=ctx.customer_id, conversation_id=conversation.id,
                                 detail=decision.trace())
            session.flush()
            result.trace_id = trace.id
            trace.trace = result.to_dict()

    def _replay(self, session, conversation_id: str, client_message_id: str) -> TurnResult | None:
        """A retried message (same client id) returns the stored answer; nothing runs twice."""
        message = session.scalar(select(Message).where(Message.conversation_id == conversation_id,
                                                       Message.client_message_id == client_message_id))
        if message is None:
            return None
        trace = session.scalar(select(TurnTrace).where(TurnTrace.user_message_id == message.id))
        return TurnResult(**trace.trace) if trace else None
