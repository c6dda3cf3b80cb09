"""The planner: what the understanding model read, plus the dialogue state, becomes a plan (tool calls or a question).

It knows no intents: the capability comes from the table's triggers, the arguments from its slots. Repair comes
first (an answer to the copilot's own question, then a follow-up that changes the last request), then new requests,
several in one message when the model reads several. A multi-step capability (dispute: find the charge, then
dispute it) continues in `next_calls` once the lookup's results are in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from copilot.agent import resolve, safety
from copilot.agent.capabilities import Capability, CapabilityTable, Slot, capability_table
from copilot.agent.state import Awaiting, DialogueState, Profile
from copilot.nlu import values
from copilot.nlu.encoding import Span
from copilot.nlu.model import Reading, get_understanding
from copilot.nlu.values import ValueProblem

ACCEPT = 0.45     # a capability this likely is carried out without asking
LEAN = 0.2        # below this a message leans on the conversation, or the copilot asks what was meant
ALSO = 0.7        # a further capability in the same message needs this much
NEW_REQUEST = 0.8  # while the copilot waits for an answer, a different request needs this much to be taken instead
SMALL_TALK = {"thanks": "thanks", "greet": "greeting", "bye": "goodbye", "ack": "anything_else",
              "affirm": "nothing_pending", "deny": "anything_else", "hedge": "no_rush", "cancel": "dropped"}
ANSWERS = {"inform", "select", "correct", "modify", "affirm", "ack", "request"}
WHICH = "which_capability"   # the copilot asked which of two capabilities was meant
REASON, REASON_MARGIN = 0.55, 0.08  # why a card is frozen or a charge disputed: close in meaning, clearly closest
DEBT_KINDS = {"credit_card": "cards", "personal_loan": "loans", "term_loan": "loans"}
CADENCE_GAP = 12  # characters between an amount and the cadence that makes it a regular amount ("200 a month")


@dataclass
class ToolCall:
    name: str
    args: dict


@dataclass
class Plan:
    """What the offline model does this turn and what the dialogue state should remember afterwards."""

    capability: str | None
    confidence: float = 0.0
    route: str = "answer"
    calls: list[ToolCall] = field(default_factory=list)
    reply: str | None = None                  # a template said before the tools' answers (after them: ask_after)
    data: dict = field(default_factory=dict)
    also: list[str] = field(default_factory=list)
    awaiting: Awaiting | None = None
    slots: dict = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)

    @property
    def capabilities(self) -> list[str]:
        return [c for c in (self.capability, *self.also) if c]

    def to_dict(self) -> dict:
        return {**asdict(self), "awaiting": self.awaiting.model_dump() if self.awaiting else None}

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        data = dict(data)
        data["calls"] = [ToolCall(**c) for c in data.get("calls", [])]
        data["awaiting"] = Awaiting(**data["awaiting"]) if data.get("awaiting") else None
        return cls(**data)


class Ask(Exception):
    """A slot the copilot must ask about: missing, ambiguous or nonsensical."""

    def __init__(self, slot: str, problem: str | None = None, options: list[dict] | None = None, **data) -> None:
        super().__init__(problem or slot)
        self.slot, self.problem, self.options, self.data = slot, problem, options or [], data


class Planner:
    def __init__(self, table: CapabilityTable | None = None) -> None:
        self.table = table or capability_table()

    def capability_of_tool(self, tool: str) -> str | None:
        return next((c.name for c in self.table.capabilities.values() if c.tool == tool), None)

    # --- the turn ----------------------------------------------------------------------------------------------
    def plan(self, reading: Reading, state: DialogueState, profile: Profile, today: date,
             role: str = "customer") -> Plan:
        text = reading.text
        if role != "support_agent" and safety.distressed(text):
            return Plan("handoff", 1.0, route="handoff", data={"vulnerable": True}, calls=[ToolCall(
                "handoff_to_agent", {"reason": "the customer may be vulnerable or in distress", "priority": "high"})])
        if role != "support_agent" and safety.asks_for_person(text):
            return self._carry_out(self.table.capabilities["handoff"], reading, {}, profile, today, state, 1.0)
        if state.awaiting:
            answered = self._answer(reading, state, profile, today)
            if answered:
                return answered
        scored = self.table.scored(reading.actions, reading.topics)
        score, top, trigger = scored[0]
        if reading.act in SMALL_TALK and score < ACCEPT:
            return Plan(None, reading.act_confidence, reply=SMALL_TALK[reading.act])
        retry = bool(state.last) and state.last.route == "consent_required" and score < ACCEPT
        if state.last and (reading.act in ("modify", "correct", "inform", "select") or score < LEAN or retry
                           or top.name == state.last.capability):
            follow = self._follow_up(reading, state, profile, today, again=score < LEAN or retry)
            if follow:
                return follow
        if score < LEAN:
            return self._unsure(reading, scored, state, profile, today)
        if role == "support_agent" and (top.writes or top.name in ("handoff", "complaint", "hardship")):
            top = self.table.capabilities["knowledge"]          # agents ask how we do things; they act in their tools
        plan = self._carry_out(top, reading, {}, profile, today, state, score)
        for other_score, other, other_trigger in scored[1:4]:
            distinct = (other_trigger.action, other_trigger.topic) != (trigger.action, trigger.topic)
            if other_score >= ALSO and distinct and self._adds(plan, other):
                plan = self._combine(plan, self._carry_out(other, reading, {}, profile, today, state, other_score))
        return self._other_clauses(plan, reading, profile, today, state)

    def _adds(self, plan: Plan, other: Capability) -> bool:
        """A further capability joins the plan unless it is already there or would be a second write."""
        return other.name not in plan.capabilities and \
            not (other.writes and any(self.table.capabilities[c].writes for c in plan.capabilities))

    def _other_clauses(self, plan: Plan, reading: Reading, profile: Profile, today: date,
                       state: DialogueState) -> Plan:
        """Each clause of a longer message read on its own: a request the whole reading drowned out joins the plan
        ("how much did I spend on groceries, and what bills are coming up?")."""
        parts = values.clauses(reading.text)
        if len(parts) < 2:
            return plan
        for part in get_understanding().read_many(parts):
            score, capability, _ = self.table.scored(part.actions, part.topics)[0]
            if part.act == "request" and score >= ACCEPT and not capability.writes and self._adds(plan, capability):
                plan = self._combine(plan, self._carry_out(capability, part, {}, profile, today, state, score))
        return plan

    # --- repair ------------------------------------------------------------------------------------------------
    def _answer(self, reading: Reading, state: DialogueState, profile: Profile, today: date) -> Plan | None:
        """The message read as the answer to the copilot's question, if it is one."""
        awaiting = state.awaiting
        if awaiting.capability == WHICH:
            return self._which(reading, state, profile, today)
        capability = self.table.capabilities.get(awaiting.capability)
        if capability is None or reading.act not in ANSWERS:
            return None
        slot = capability.slots[awaiting.slot]
        score, top, _ = self.table.scored(reading.actions, reading.topics)[0]
        if reading.act == "request" and score >= NEW_REQUEST and top.name != capability.name:
            return None                                              # a new request, not an answer
        if awaiting.options:
            picked = resolve.option(reading, awaiting.options, today)
            if picked is None and len(awaiting.options) == 1 and reading.act in ("select", "affirm"):
                picked = awaiting.options[0]
            if picked is None:
                return None
            value = picked["value"]
        else:
            spans = reading.spans_of(*slot.spans) or \
                ([Span(slot.spans[0], 0, len(reading.text), reading.text, 0.0)]
                 if reading.act in ("inform", "select", "correct") and slot.type in ("account", "card", "merchant",
                                                                                     "category", "text") else [])
            if not spans:
                return None
            try:
                value = self._value(slot, spans, reading, profile, today, state)
            except Ask:
                return None
        return self._carry_out(capability, reading, {**awaiting.slots, awaiting.slot: value}, profile, today, state,
                               1.0)

    def _which(self, reading: Reading, state: DialogueState, profile: Profile, today: date) -> Plan | None:
        """The reply to "do you want to X, or Y?": the option picked, or a yes to the only one, carried out on the
        original message."""
        options = state.awaiting.options
        picked = resolve.option(reading, options, today)
        if picked is None and reading.act == "affirm" and len(options) == 1:
            picked = options[0]
        if picked is None:
            scores = {c.name: s for s, c, _ in self.table.scored(reading.actions, reading.topics)}
            best = max(options, key=lambda o: scores.get(o["value"], 0.0), default=None)
            picked = best if best and scores.get(best["value"], 0.0) >= LEAN else None
        if picked is None:
            return None
        original = get_understanding().read(state.awaiting.slots.get("text", reading.text))
        return self._carry_out(self.table.capabilities[picked["value"]], original, {}, profile, today, state, 1.0)

    def _follow_up(self, reading: Reading, state: DialogueState, profile: Profile, today: date,
                   again: bool = False) -> Plan | None:
        """The last request again with what this message changes ("and last month?", "what if 800"); with nothing
        changed, a read once more when the message asks nothing else ("ok, try again", "and now?")."""
        capability = self.table.capabilities.get(state.last.capability)
        if capability is None:
            return None
        try:
            changed = self._present(capability, reading, profile, today, state, only=capability.follow_up)
        except Ask as ask:
            return self._question(capability, Plan(capability.name, 0.9, topics=state.last.topics), ask,
                                  dict(state.last.slots))
        if not changed and (not (again or reading.act == "modify") or capability.writes):
            return None
        slots = dict(state.last.slots)
        for name, value in changed.items():
            previous = slots.get(name)
            adding = reading.act == "modify" and capability.slots[name].type == "debt_accounts"
            slots[name] = _more_debts(previous or {}, value, profile) if adding else value
        plan = self._carry_out(capability, reading, slots, profile, today, state, 0.9, topics=state.last.topics)
        plan.data["follow_up"] = True
        return plan

    def _unsure(self, reading: Reading, scored: list, state: DialogueState, profile: Profile, today: date) -> Plan:
        """Nothing is likely enough: a banking topic gets the bank's documents; otherwise ask what was meant."""
        topic, likelihood = max(reading.topics.items(), key=lambda kv: kv[1])
        if topic not in ("other", "assistant") and likelihood >= ACCEPT:
            return self._carry_out(self.table.capabilities["knowledge"], reading, {}, profile, today, state, likelihood)
        if topic == "other":
            return self._carry_out(self.table.capabilities["out_of_scope"], reading, {}, profile, today, state,
                                   likelihood)
        if state.misunderstandings >= 2:
            return Plan("handoff", scored[0][0], route="handoff", calls=[ToolCall(
                "handoff_to_agent", {"reason": "the copilot could not understand the request after several tries"})])
        offered = [c for _, c, _ in scored[:2] if c.name not in ("out_of_scope", "capabilities")]
        return Plan(None, scored[0][0], route="clarify", reply="clarify_intent",
                    data={"options": [c.phrase for c in offered]},
                    awaiting=Awaiting(capability=WHICH, slot=WHICH, slots={"text": reading.text},
                                      options=[{"label": c.phrase, "value": c.name, "name": c.phrase} for c in offered]))

    # --- one capability ---------------------------------------------------------------------------------------
    def _carry_out(self, capability: Capability, reading: Reading, known: dict, profile: Profile, today: date,
                   state: DialogueState, confidence: float, topics: list[str] | None = None) -> Plan:
        topics = topics or reading.likely(reading.topics)
        plan = Plan(capability.name, round(confidence, 3), route=capability.route, reply=capability.reply,
                    data=dict(capability.data), topics=topics)
        slots = dict(known)
        try:
            self._present(capability, reading, profile, today, state, into=slots)
            slots.update({**self._defaults(capability, slots, profile, state), **self._carried(capability, slots, state),
                          **slots})
            slots.update({n: s.default for n, s in capability.slots.items() if s.default and slots.get(n) is None})
            for name, slot in capability.slots.items():
                excused = slot.unless and all(slots.get(other) is not None for other in slot.unless)
                if slot.required and slots.get(name) is None and not excused and \
                        not (capability.lookup and name == "transaction"):
                    raise Ask(name)
        except Ask as ask:
            return self._question(capability, plan, ask, {k: v for k, v in slots.items() if v is not None})
        plan.slots = slots
        plan.calls = self._calls(capability, slots, reading, topics, profile)
        plan.data.update(self._reply_data(capability, slots, reading))
        return plan

    def _question(self, capability: Capability, plan: Plan, ask: Ask, known: dict) -> Plan:
        slot = capability.slots[ask.slot]
        plan.route, plan.reply, plan.calls = "clarify", slot.ask or "clarify_problem", []
        plan.data.update({**known, **ask.data, "problem": ask.problem, "tool": capability.tool,
                          "options": [o["label"] for o in ask.options]})
        plan.awaiting = Awaiting(capability=capability.name, slot=ask.slot, slots=known, options=ask.options)
        return plan

    def _present(self, capability: Capability, reading: Reading, profile: Profile, today: date,
                 state: DialogueState, only: list[str] | None = None, into: dict | None = None) -> dict:
        """The slot values this message states, added to `into` as they are read (raises Ask when one makes no
        sense or is ambiguous)."""
        found = {} if into is None else into
        for name, slot in capability.slots.items():
            if only is not None and name not in only:
                continue
            spans = [s for s in reading.spans_of(*slot.spans) if self._cadence_fits(slot, s, reading)]
            value = self._value(slot, spans, reading, profile, today, state, name=name) if spans else None
            if value is not None:
                found[name] = value
        payee = next((m for s in reading.spans_of("account") if (m := resolve.merchant(s.text, profile))
                      and resolve.account(s.text, profile).nothing), None)
        if payee and "merchant" in capability.slots and found.get("merchant") is None and \
                (only is None or "merchant" in only):
            found["merchant"] = payee                   # a payee the model took for an account ("lakeview apartments")
        return found

    @staticmethod
    def _cadence_fits(slot: Slot, span: Span, reading: Reading) -> bool:
        if slot.cadence is None:
            return True
        regular = any(c.label == "cadence" and 0 <= c.start - span.end <= CADENCE_GAP for c in reading.spans)
        return regular == (slot.cadence == "with")

    def _value(self, slot: Slot, spans: list[Span], reading: Reading, profile: Profile, today: date,
               state: DialogueState, name: str = ""):
        """One slot's value from its spans, by type; Ask when it is absurd, unknown or ambiguous."""
        name = name or slot.spans[0]
        try:
            if slot.type == "amount":
                amounts = list(dict.fromkeys(values.money(s.text).value for s in spans))
                if len(amounts) > 1 and slot.required:
                    raise Ask(name, options=[{"label": f"{a:,.2f}", "value": a} for a in amounts], amounts=amounts)
                return amounts[0]
            span = spans[0]
            if slot.type == "period":
                return _period(span, today, state)
            if slot.type == "deadline":
                found = values.deadline(span.text, today)
                return {"target_date": found.day.isoformat(), **({"months": found.months} if found.months else {})}
            if slot.type == "horizon":
                return values.horizon(span.text, today)
            if slot.type == "count":
                return values.count(span.text)
            if slot.type == "currency":
                return values.currency(span.text)
            if slot.type == "cadence":
                found = values.cadence(span.text)
                regular = profile.pay_cadence if profile.pay_cadence in ("weekly", "biweekly", "monthly") else "biweekly"
                return regular if found == "per_paycheque" else found if found in ("weekly", "biweekly", "monthly") \
                    else None
            if slot.type in ("strategy", "sort"):
                return resolve.meaning(span.text, {"strategy": "strategies", "sort": "sorts"}[slot.type])
            if slot.type == "text":
                return span.text.strip(" .,!?")[:80]
            if slot.type == "merchant":
                return resolve.merchant(span.text, profile) or span.text.strip(" .,!?")
            if slot.type == "category":
                found = resolve.category(span.text, profile)
                if found is None and not slot.required:
                    return None
                if found is None:
                    raise Ask(name, f"I don't have a spending category for \"{span.text}\".")
                return found
            if slot.type == "account":
                match = resolve.account(span.text, profile)
                if match.nothing and resolve.merchant(span.text, profile):
                    return None                        # a payee the model took for an account ("lakeview apartments")
                if match.nothing:
                    raise Ask(name, f"I can't see an account called \"{span.text}\" in your name.")
                return match.found.name if match.unique else None
            if slot.type == "debt_accounts":
                return _debt_accounts(spans, profile)
            if slot.type == "debts":
                return _debts(reading)
            if slot.type == "card":
                return _card(slot, name, spans, profile)
            if slot.type == "transaction":
                return None                                    # found by the capability's lookup
        except ValueProblem as problem:
            raise Ask(name, str(problem)) from problem
        return None

    def _defaults(self, capability: Capability, slots: dict, profile: Profile, state: DialogueState) -> dict:
        """Values the conversation implies when the message names none: the card or charge just talked about, the
        only card that fits."""
        found = {}
        for name, slot in capability.slots.items():
            if slots.get(name) is not None:
                continue
            if slot.type == "card" and slot.required:
                focus = state.focus.get("card")
                fitting = [c for c in profile.cards if (c.status == "frozen") == (slot.among == "frozen")]
                if focus and any(c.id == focus for c in fitting):
                    found[name] = focus
                elif len(fitting) == 1:
                    found[name] = fitting[0].id
                elif not fitting and slot.among == "frozen":
                    raise Ask(name, "None of your cards is frozen at the moment, so there's nothing to unfreeze.")
                else:
                    raise Ask(name, options=[{"label": c.label, "value": c.id, "name": c.name}
                                             for c in fitting or profile.cards])
            if slot.type == "transaction" and state.focus.get("transaction") and capability.lookup:
                found[name] = state.focus["transaction"]
        return found

    def _carried(self, capability: Capability, slots: dict, state: DialogueState) -> dict:
        """Required slots the message leaves out, taken from the last request when it had the same slot: "make
        that a goal" after a savings plan keeps its target and date (a write still waits for the yes)."""
        last = self.table.capabilities.get(state.last.capability) if state.last else None
        if last is None or last.name == capability.name:
            return {}
        return {name: state.last.slots[name] for name, slot in capability.slots.items()
                if (slot.required or slot.unless) and slots.get(name) is None and state.last.slots.get(name) is not None
                and name in last.slots and last.slots[name].type == slot.type}

    def _calls(self, capability: Capability, slots: dict, reading: Reading, topics: list[str],
               profile: Profile) -> list[ToolCall]:
        args = capability.fixed_args(topics)
        for name, slot in capability.slots.items():
            value = slots.get(name)
            if value is None or value == []:
                continue
            if slot.type == "period":
                args.update(value["args"])
            elif slot.type == "deadline":
                args.update({arg: value["target_date"] for arg in slot.args})
            elif slot.type == "debt_accounts":
                args.update(value)
            else:
                args.update({arg: value for arg in slot.args})
        calls = []
        for tool in capability.tools:
            if tool == "search_knowledge":
                calls.append(ToolCall(tool, {"query": capability.query or reading.text[:500]}))
            elif tool == capability.tool:
                if capability.lookup and not slots.get("transaction"):
                    wanted = _fitted(capability.lookup, args)     # nothing named: the flagged charges are the candidates
                    calls.append(ToolCall(capability.lookup, wanted) if wanted else ToolCall("fraud_alerts", {}))
                else:
                    calls.append(ToolCall(tool, _fitted(tool, {**args, **_extra(capability, reading, slots)})))
        return calls

    @staticmethod
    def _reply_data(capability: Capability, slots: dict, reading: Reading) -> dict:
        data = {name: slots[name] for name in ("threshold",) if slots.get(name) is not None}
        if capability.lookup:
            data["dispute_reason"] = _dispute_reason(reading)
            data["dispute_details"] = reading.text[:250]
        return data

    @staticmethod
    def _combine(main: Plan, extra: Plan) -> Plan:
        """Several goals in one message: the clear ones run, a question about another is asked after them."""
        if extra.route == "clarify" and main.route != "clarify":
            main.reply, main.awaiting = main.reply or extra.reply, main.awaiting or extra.awaiting
            main.data = {**extra.data, **main.data, "ask_after": True}
            return main
        if main.route == "clarify" and extra.calls:
            extra.reply, extra.awaiting = main.reply, main.awaiting
            extra.data = {**main.data, **extra.data, "ask_after": True}
            extra.also.append(main.capability)
            return extra
        known = {c.name for c in main.calls}
        main.calls.extend(c for c in extra.calls if c.name not in known)
        main.also.append(extra.capability)
        main.data = {**extra.data, **main.data}
        if main.route == "answer":
            main.route = extra.route
        return main

    def offered(self, plan: Plan, outcomes: list) -> None:
        """Items a capability listed (alerts, transactions) become options the next message may pick from."""
        capability = self.table.capabilities.get(plan.capability or "")
        if plan.awaiting or not capability or not capability.offers:
            return
        found = next((o for o in reversed(outcomes) if o.status == "ok" and o.name in ("fraud_alerts",
                                                                                      "search_transactions")), None)
        candidates = _candidates(found, None)[:8] if found else []
        if candidates:
            plan.awaiting = Awaiting(capability=capability.offers, slot="transaction", options=_options(candidates))

    # --- a lookup's results (dispute: which charge) ---------------------------------------------------------
    def next_calls(self, plan: Plan, outcomes: list) -> list[ToolCall]:
        """After the lookup: one candidate charge -> dispute it; several -> ask which; none -> say so."""
        capability = self.table.capabilities.get(plan.capability or "")
        if not capability or not capability.lookup or any(o.name == capability.tool for o in outcomes):
            return []
        found = next((o for o in reversed(outcomes) if o.status == "ok" and o.name in (capability.lookup,
                                                                                      "fraud_alerts")), None)
        if found is None:
            return []
        candidates = _candidates(found, plan.data.get("dispute_reason"))
        if len(candidates) == 1:
            return [ToolCall(capability.tool, {"transaction_id": candidates[0]["id"],
                                               "reason": plan.data.get("dispute_reason", "other"),
                                               "details": plan.data.get("dispute_details")})]
        plan.route, plan.reply = "clarify", "ask_transaction"
        plan.data.update(candidates=candidates[:5])
        plan.awaiting = Awaiting(capability=capability.name, slot="transaction", slots=plan.slots,
                                 options=_options(candidates[:5]))
        return []


# --- slot helpers ------------------------------------------------------------------------------------------------
def _period(span: Span, today: date, state: DialogueState) -> dict:
    """A period span's tool arguments and label; "the month before" shifts the last request's period."""
    vocab, tokens = values.vocabulary()["periods"], values.words(span.text)
    direction = "before" if set(tokens) & set(vocab["before"]) else "after" if set(tokens) & set(vocab["after"]) else None
    previous = (state.last.slots.get("period") or {}).get("args", {}) if state.last else {}
    if direction and previous and not any(w in values.MONTHS or w.isdigit() for w in tokens):
        found = values.shifted(previous, today, direction == "after")
        if found is None:
            raise ValueProblem(f"I can only look back, not ahead: which period did you mean by \"{span.text}\"?")
    elif span.label == "date":
        day = values.day(span.text, today)
        found = values.Period(start=day, end=day, label=f"{day.day} {day:%b %Y}")
    else:
        found = values.period(span.text, today)
    return {"args": found.as_args(), "label": found.label}


def _card(slot: Slot, name: str, spans: list[Span], profile: Profile) -> str | None:
    """The card the spans name; None when they name none in particular ("that card", "it": the conversation's)."""
    matches = [(span, resolve.card(span.text, profile, slot.among)) for span in spans if resolve.specific(span.text)]
    if not matches:
        return None
    span, match = next(((s, m) for s, m in matches if m.unique), matches[0])
    if match.unique:
        return match.found.id
    fitting = list(match.candidates) or profile.cards
    problem = None if match.candidates else f"None of your cards matches \"{span.text}\"."
    raise Ask(name, problem, options=[{"label": c.label, "value": c.id, "name": c.name} for c in fitting])


def _debt_accounts(spans: list[Span], profile: Profile) -> dict:
    """Which of the customer's own debts a plan covers: named ones ("my visa"), or a kind ("the cards")."""
    named, kinds = [], set()
    for span in spans:
        match = resolve.account(span.text, profile)
        if match.unique and match.found.kind in DEBT_KINDS:
            named.append(match.found.name)
        elif match.candidates:
            kinds |= {DEBT_KINDS[a.kind] for a in match.candidates if a.kind in DEBT_KINDS}
    if named:
        return {"accounts": list(dict.fromkeys(named))}
    return {"debt_types": kinds.pop()} if len(kinds) == 1 else {}


def _more_debts(previous: dict, added: dict, profile: Profile) -> dict:
    """"And if I include the personal loan too?": the debts planned before plus the ones named now."""
    before = previous.get("accounts") or [a.name for a in profile.accounts if a.kind in DEBT_KINDS and
                                          previous.get("debt_types") in (None, "all", DEBT_KINDS[a.kind])]
    return {"accounts": list(dict.fromkeys(before + added.get("accounts", [])))} if added.get("accounts") else added


def _debts(reading: Reading) -> list[dict]:
    """Debts the customer describes: each balance starts one; a rate, minimum or name after it belongs to it."""
    debts: list[dict] = []
    for span in sorted(reading.spans, key=lambda s: s.start):
        try:
            if span.label == "balance":
                debts.append({"name": f"Debt {len(debts) + 1}", "balance": values.money(span.text).value})
            elif span.label == "rate" and debts and (rate := values.number(span.text)) is not None:
                if not 0 <= rate <= 100:
                    raise ValueProblem(f"{span.text} isn't an interest rate I can plan with")
                debts[-1].setdefault("apr", rate)
            elif span.label == "min_payment" and debts:
                debts[-1]["min_payment"] = values.money(span.text).value
            elif span.label == "account" and debts and debts[-1]["name"].startswith("Debt "):
                debts[-1]["name"] = span.text.strip()[:60]
        except ValueProblem as problem:
            raise Ask("debts", str(problem)) from problem
    return [d for d in debts if "apr" in d]


def _dispute_reason(reading: Reading) -> str:
    """Why a charge is disputed, by meaning: the closest reason when it is close and clearly closer than the next."""
    if reading.topics.get("fraud", 0) >= 0.5:
        return "unauthorized"
    return resolve.meaning(reading.text, "dispute_reasons", REASON, windows=True, margin=REASON_MARGIN) or "other"


def _extra(capability: Capability, reading: Reading, slots: dict) -> dict:
    """Arguments only the message as a whole says: why a card is frozen, why a charge is disputed."""
    if capability.tool == "freeze_card":
        return {"reason": resolve.meaning(reading.text, "freeze_reasons", REASON, windows=True, margin=REASON_MARGIN)
                or "temporary"}
    if capability.tool == "dispute_transaction":
        return {"reason": _dispute_reason(reading), "details": reading.text[:250]}
    if capability.tool == "handoff_to_agent":
        return {"reason": f"{capability.args.get('reason', capability.description)}: {reading.text}"[:300]}
    return {}


def _candidates(found, reason: str | None) -> list[dict]:
    if found.name == "fraud_alerts":
        return [t for a in found.result["alerts"] for step in a.get("next_steps", [])
                if step.get("action") == "dispute_transaction"
                for t in a["evidence"]["transactions"] if t["id"] == step["args"]["transaction_id"]]
    spent = [t for t in found.result["transactions"] if t["amount"] < 0]
    twins = [t for t in spent if sum((u["merchant"], u["amount"]) == (t["merchant"], t["amount"]) for u in spent) > 1]
    return twins[:1] if twins and reason == "duplicate_charge" else spent


def _options(transactions: list[dict]) -> list[dict]:
    return [{"label": f"{t['date']} {t['merchant']} {abs(t['amount']):.2f}", "value": t["id"], "merchant": t["merchant"],
             "amount": t["amount"], "date": t["date"]} for t in transactions]


def _fitted(tool: str, args: dict) -> dict:
    """The arguments this tool takes, numbers kept inside what it accepts (a horizon of 200 days asks
    upcoming_bills for its maximum); the others are for another tool of the capability."""
    from tools import REGISTRY

    fields = REGISTRY[tool].args_model.model_fields
    args = {key: value for key, value in args.items() if key in fields}
    for key, value in list(args.items()):
        if key in fields and isinstance(value, int | float) and not isinstance(value, bool):
            for bound in fields[key].metadata:
                low = getattr(bound, "ge", None) or getattr(bound, "gt", None)
                high = getattr(bound, "le", None) or getattr(bound, "lt", None)
                value = max(value, low) if low is not None else value
                value = min(value, high) if high is not None else value
            args[key] = value
    return args
