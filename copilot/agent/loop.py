"""The Copilot service: one turn = input guard -> agent loop (tools through the consent gate) -> output filters
-> exactly one route -> persisted messages, trace and audit. The API server, the terminal chat and the eval
harness all use this class.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage
from sqlalchemy import select

from copilot import devices
from copilot.agent import composer, dialogue
from copilot.agent.history import budgeted_history
from copilot.agent.middleware import ToolGate, llm_middleware
from copilot.agent.offline_model import plan_of
from copilot.agent.planner import Planner
from copilot.agent.providers import make_chat_model
from copilot.agent.routing import decide_route
from copilot.agent.state import DialogueState, LastRequest, load_profile
from copilot.agent.toolkit import langchain_tools
from copilot.agent.turn import Frame, TurnContext
from copilot.agent.visuals import ui_blocks
from copilot.compliance import audit_decision, guard_input
from copilot.compliance.types import Decision
from copilot.compliance.untrusted import untrusted
from copilot.config import load_settings
from copilot.consent import active_consents
from copilot.context import ToolContext
from copilot.nlu.model import get_understanding
from copilot.prompts import system_prompt
from copilot.runtime import Runtime
from copilot.store.models import Conversation, Handoff, Message, TurnTrace
from copilot.tokens import count_tokens
from tools import cancel_action, check_consent, confirm_action, open_pending_actions, stepup


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


def _call(outcome, **extra) -> dict:
    """A tool call as the turn result lists it."""
    return {"name": outcome.name, "args": outcome.args, "allowed": outcome.allowed, "status": outcome.status, **extra}


class Copilot:
    """Start and continue conversations; every turn leaves one trace and exactly one route."""

    def __init__(self, runtime: Runtime, provider: str | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings if provider is None else \
            load_settings(**{**runtime.settings.model_dump(), "provider": provider})
        self.planner = Planner()

    @cached_property
    def agent(self):
        llm = self.settings.provider_kind != "offline"
        return create_agent(make_chat_model(self.settings, self.planner), langchain_tools(),
                            system_prompt=system_prompt() if llm else None,
                            middleware=llm_middleware(self.settings) if llm else [ToolGate()],
                            context_schema=TurnContext)

    @cached_property
    def offline_agent(self):
        """The embedded planner, also the fallback when an LLM endpoint fails."""
        if self.settings.provider_kind == "offline":
            return self.agent
        return Copilot(self.runtime, provider="offline").agent

    # --- conversations ----------------------------------------------------------------------------------
    def start(self, customer_id: str, channel: str = "chat", device: str | None = None) -> str:
        """A new conversation; `device` is the id a web or app client sends (a new one is a step-up signal)."""
        self.runtime.require_customer(customer_id)
        now = self.settings.now()
        conversation = Conversation(id=f"conv-{uuid.uuid4().hex[:16]}", customer_id=customer_id, channel=channel,
                                    status="open", created_at=now, updated_at=now, state={})
        with self.runtime.db.session() as session:
            if device is not None:
                conversation.device_id = devices.remember(session, customer_id, device, now)
            session.add(conversation)
        return conversation.id

    def _conversation(self, session, conversation_id: str, customer_id: str | None) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or (customer_id and conversation.customer_id != customer_id):
            raise ConversationNotFound(f"no conversation {conversation_id!r}")
        return conversation

    # --- one turn -----------------------------------------------------------------------------------------
    def send(self, conversation_id: str, text: str, *, customer_id: str | None = None, actor: str | None = None,
             role: str = "customer", client_message_id: str | None = None, rehearsal: bool = False) -> TurnResult:
        """One turn; a rehearsal (a support agent's suggested reply) runs every tool but keeps none of its changes."""
        from copilot.compliance.vault import open_vault, tokenize_turn

        started = time.perf_counter()
        with self.runtime.db.session() as session:
            conversation = self._conversation(session, conversation_id, customer_id)
            if client_message_id:
                replay = self._replay(session, conversation_id, client_message_id)
                if replay:
                    replay.answer = open_vault(self.runtime.db, self.settings, conversation_id).restore(
                        replay.answer, strict=role != "customer")
                    return replay
            customer_id = conversation.customer_id
            state = DialogueState.model_validate(conversation.state or {})
            profile = load_profile(session, customer_id)
        ctx = ToolContext(db=self.runtime.db, settings=self.settings, customer_id=customer_id,
                          actor=actor or f"customer:{customer_id}", role=role, now=self.settings.now(),
                          conversation_id=conversation_id, retriever=self.runtime.retriever, rehearsal=rehearsal)
        guard, text, vault = tokenize_turn(self.runtime.db, self.settings, conversation_id, customer_id,
                                           lambda v, raw=text: guard_input(raw, vault=v))  # from here on: placeholders
        turn = TurnContext(tool_ctx=ctx, state=state, profile=profile, user_text=text)
        if guard.blocked:
            answer, route, output, tokens = guard.message, "blocked", None, (0, 0)
        else:
            answer, route, output, tokens = self._think(turn, text)
        result = TurnResult(
            conversation_id=conversation_id, route=route, answer=answer,
            tools=[*(_call(o, abandoned=True, action_id=(o.pending_action or {}).get("id")) for o in turn.abandoned),
                   *map(_call, turn.outcomes)],
            citations=composer.cited(answer),
            guard={"input": guard.trace(), "output": output.trace() if output else None,
                   "untrusted": turn.untrusted_rules},
            prompt_tokens=tokens[0], completion_tokens=tokens[1],
            pending_action=next((o.pending_action for o in turn.outcomes if o.status in ("confirm", "step_up_required")),
                                None),
            consent_request=next((o.consent for o in turn.outcomes if o.status == "consent_required"), None),
            ui=ui_blocks(turn.outcomes) if route == "answer" else [],
            intent=turn.plan.capability if turn.plan else None, provider=self.settings.provider)
        result.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        self._persist(turn, result, guard, output, client_message_id)
        result.answer = vault.restore(result.answer, strict=role != "customer")     # stored as placeholders
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
        """A person has the conversation (relay); a reply to a pending write (run or cancel it); or a trip through
        the agent loop, after which a write still waiting is asked about again. Then route and output filters."""
        by_model = False
        self._read_consents(turn)
        turn.pending = open_pending_actions(turn.tool_ctx)
        code = stepup.code_in(text) if turn.pending and turn.pending[-1]["requires_step_up"] else None
        settled = dialogue.decide(get_understanding().read(text), turn.pending, turn.tool_ctx.now.date()) \
            if turn.pending and not code else None
        if self._with_agent(turn.tool_ctx.conversation_id):
            draft, route = composer.render("relayed"), "handoff"
        elif code:                                           # the one-time code a risky write waits for
            turn.outcomes.append(stepup.confirm_with_code(turn.tool_ctx, turn.pending[-1]["id"], code, turn.pending[-1]))
            draft, route = composer.confirmation(turn.outcomes[-1], turn.profile), decide_route(turn)
        elif settled:
            act = confirm_action if settled == "affirm" else cancel_action
            turn.outcomes.append(act(turn.tool_ctx, turn.pending[-1]["id"]))
            for action in turn.pending[:-1]:                 # older proposals were superseded by the last one
                cancel_action(turn.tool_ctx, action["id"])
            draft, route = composer.confirmation(turn.outcomes[-1], turn.profile), decide_route(turn)
        else:
            draft, by_model = self._run_agent(turn, text)
            route = decide_route(turn, draft)
            if by_model and route in ("confirm", "consent_required"):      # the product's words, never the model's
                draft, by_model = "\n\n".join(composer.outcome_text(o, None, [], text) for o in turn.outcomes
                                               if o.status in ("confirm", "step_up_required", "consent_required")), False
            proposed = {o.pending_action["id"] for o in turn.outcomes if o.status == "confirm" and o.pending_action}
            follow_up = bool(turn.plan and turn.plan.data.get("follow_up"))
            for action in turn.pending:
                if action["id"] in proposed:
                    continue
                if dialogue.overtaken(action, follow_up, turn.outcomes):
                    cancel_action(turn.tool_ctx, action["id"])
                    draft += "\n\n" + composer.render("overtaken", summary=action["summary"])
                    turn.offer = self.planner.capability_of_tool(action["tool"])
                elif proposed or route == "clarify" and turn.plan and turn.plan.capability == \
                        self.planner.capability_of_tool(action["tool"]):
                    cancel_action(turn.tool_ctx, action["id"])        # a new proposal supersedes the old one
                else:
                    draft += "\n\n" + composer.render("still_pending", summary=action["summary"])
        final, output = composer.release(draft, turn, written_by_model=by_model)
        if output and output.blocked:
            route = "blocked"
        return final, route, output, (turn.model.prompt_tokens or count_tokens(text),
                                      turn.model.completion_tokens or count_tokens(final))

    def _with_agent(self, conversation_id: str) -> bool:
        """A support agent has taken this conversation's hand-off: the copilot stays quiet until it is handed back."""
        with self.runtime.db.session() as session:
            return session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation_id,
                                                           Handoff.status == "assigned").limit(1)) is not None

    def _read_consents(self, turn: TurnContext) -> None:
        """The customer's active consents, read once at the start of the turn (the tool runner re-checks each call)."""
        with self.runtime.db.session() as session:
            active = active_consents(session, turn.tool_ctx.customer_id, turn.tool_ctx.now)
            turn.consents = [{"purpose": untrusted(c.purpose), "granted": c.granted_at.date().isoformat(),
                              "expires": c.expires_at.date().isoformat() if c.expires_at else None} for c in active]
            turn.scopes = frozenset(scope for c in active for scope in c.scopes)

    def _frame(self, turn: TurnContext) -> Frame:
        return Frame(state=turn.state, profile=turn.profile, today=turn.tool_ctx.now.date(), role=turn.tool_ctx.role,
                     consents=turn.consents, waiting=[a["summary"] for a in turn.pending])

    def _run_agent(self, turn: TurnContext, text: str) -> tuple[str, bool]:
        """The model's steps through the tool runner; (draft, whether a model other than ours wrote it). Whatever goes
        wrong on an LLM endpoint (errors, the deadline, nothing usable) ends in the offline planner's answer, after
        cancelling any write the failed attempt proposed."""
        llm = self.settings.provider_kind != "offline"
        frame = self._frame(turn).message()
        if not llm:
            return self._offline(turn, frame, text), False
        history = budgeted_history(self.runtime.db, turn.tool_ctx.conversation_id,
                                   self.settings.context_budget_tokens, turn.scopes)
        turn.model.deadline = time.monotonic() + self.settings.turn_deadline_s
        try:
            state = self.agent.invoke({"messages": [*history, HumanMessage(text)]}, context=turn)
        except Exception as exc:                     # noqa: BLE001 - any endpoint failure falls back, never crashes
            return self._abandon(turn, exc) + self._offline(turn, frame, text), False
        final = next((m for m in reversed(state["messages"]) if isinstance(m, AIMessage) and not m.tool_calls), None)
        return str(final.content) if final else "", True

    def _offline(self, turn: TurnContext, frame, text: str) -> str:
        messages = self.offline_agent.invoke({"messages": [frame, HumanMessage(text)]}, context=turn)["messages"]
        turn.plan = plan_of(messages)
        final = next((m for m in reversed(messages) if isinstance(m, AIMessage) and not m.tool_calls), None)
        draft = str(final.content) if final else ""
        if turn.plan and turn.plan.route == "clarify" and turn.plan.data.get("tool"):
            refusal = check_consent(turn.tool_ctx, turn.plan.data["tool"])   # no point asking which card first
            if refusal:
                turn.outcomes.append(refusal)
                draft = composer.outcome_text(refusal, turn.plan, [], text)
        return draft

    @staticmethod
    def _abandon(turn: TurnContext, exc: Exception) -> str:
        """Set a failed model attempt aside: its proposals cancelled (and said so), its calls kept for the trace."""
        turn.untrusted_rules.append(f"llm_unavailable:{type(exc).__name__}")
        proposed = [o for o in turn.outcomes if o.status in ("confirm", "step_up_required") and o.pending_action]
        for outcome in proposed:
            cancel_action(turn.tool_ctx, outcome.pending_action["id"])
        turn.abandoned, turn.outcomes, turn.hits = list(turn.outcomes), [], []
        turn.model.offered, turn.model.refused = None, {}
        if not proposed:
            return ""
        return composer.render("abandoned", summaries=[o.pending_action["summary"] for o in proposed]) + "\n\n"

    def _remember(self, turn: TurnContext, route: str) -> None:
        """What the next turn needs: the question asked, the request carried out, the card or charge talked about."""
        state, plan = turn.state, turn.plan
        state.turns += 1
        state.misunderstandings = state.misunderstandings + 1 if route == "clarify" else 0
        state.awaiting = plan.awaiting if plan and route in ("clarify", "answer") else None
        state.offer = turn.offer
        if plan and plan.capability and route not in ("blocked", "clarify") and plan.calls:
            state.last = LastRequest(capability=plan.capability, slots=plan.slots, topics=plan.topics, route=route)
            if route == "confirm":
                state.proposal = state.last
        for outcome in turn.outcomes:
            for key, found in (("card", mentioned_card(outcome)), ("transaction", mentioned_charge(outcome))):
                if found:
                    state.focus[key] = found
        for flag in composer.flags_for(plan):
            state.flag(flag)

    # --- persistence -------------------------------------------------------------------------------------
    def _persist(self, turn: TurnContext, result: TurnResult, guard: Decision, output: Decision | None,
                 client_message_id: str | None) -> None:
        ctx, now = turn.tool_ctx, turn.tool_ctx.now
        self._remember(turn, result.route)
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
                              trace={}, created_at=now)
            session.add(trace)
            for decision in (guard, output):
                if decision is not None:
                    audit_decision(session, decision, at=now, actor=ctx.actor, role=ctx.role,
                                   customer_id=ctx.customer_id, conversation_id=conversation.id)
            session.flush()
            result.trace_id = trace.id
            trace.trace = {**result.to_dict(), "model_steps": turn.model.steps,
                           "tool_results": [o.model_dump(mode="json", exclude={"latency_ms"})
                                            for o in [*turn.abandoned, *turn.outcomes]]}

    def _replay(self, session, conversation_id: str, client_message_id: str) -> TurnResult | None:
        """A retried message (same client id) returns the stored answer; nothing runs twice."""
        message = session.scalar(select(Message).where(Message.conversation_id == conversation_id,
                                                       Message.client_message_id == client_message_id))
        if message is None:
            return None
        trace = session.scalar(select(TurnTrace).where(TurnTrace.user_message_id == message.id))
        return TurnResult(**{f.name: trace.trace[f.name] for f in fields(TurnResult) if f.name in trace.trace}) \
            if trace else None
