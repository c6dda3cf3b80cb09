"""The planner: what the understanding model read, plus the dialogue state, becomes a plan (tool calls or a question).

It knows no intents: the capability comes from the table's triggers, the arguments from its slots. Repair comes
first (an answer to the copilot's own question, then a follow-up that changes the last request), then new requests,
several in one message when the model reads several. A multi-step capability (dispute: find the charge, then
dispute it) continues in `next_calls` once the lookup's results are in.
"""

from __future__ import annotations

from datetime import date

from copilot.agent import resolve, safety
from copilot.agent.calls import candidates, options, reply_data, tool_calls
from copilot.agent.capabilities import Capability, CapabilityTable, capability_table
from copilot.agent.plans import Ask, Plan, ToolCall
from copilot.agent.slots import more_debts, read_slots, secret, slot_value
from copilot.agent.state import Awaiting, DialogueState, Profile
from copilot.nlu import values
from copilot.nlu.encoding import Span
from copilot.nlu.model import Reading, get_understanding

ACCEPT = 0.45     # a capability this likely is carried out without asking
LEAN = 0.2        # below this a message leans on the conversation, or the copilot asks what was meant
ALSO = 0.7        # a further capability in the same message needs this much
NEW_REQUEST = 0.8  # while the copilot waits for an answer, a different request needs this much to be taken instead
SMALL_TALK = {"thanks": "thanks", "greet": "greeting", "bye": "goodbye", "ack": "anything_else",
              "affirm": "nothing_pending", "deny": "anything_else", "hedge": "no_rush", "cancel": "dropped"}
ANSWERS = {"inform", "select", "correct", "modify", "affirm", "ack", "request"}
WHICH = "which_capability"   # the copilot asked which of two capabilities was meant




class Planner:
    def __init__(self, table: CapabilityTable | None = None) -> None:
        self.table = table or capability_table()

    def capability_of_tool(self, tool: str) -> str | None:
        return next((c.name for c in self.table.capabilities.values() if c.tool == tool), None)

    # --- the turn ----------------------------------------------------------------------------------------------
    def plan(self, reading: Reading, state: DialogueState, profile: Profile, today: date,
             role: str = "customer", waiting: bool = False) -> Plan:
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
        if state.offer and (reading.act == "affirm" or top.name == state.offer):    # yes to what was offered anew
            return self._carry_out(self.table.capabilities[state.offer], reading, {}, profile, today, state, 1.0)
        if reading.act in SMALL_TALK and score < ACCEPT:
            unclear_yes = reading.act == "affirm" and waiting      # a yes too vague to run what waits: ask again
            return Plan(None, reading.act_confidence, reply="unclear_yes" if unclear_yes else SMALL_TALK[reading.act])
        if waiting and state.proposal and state.proposal != state.last and reading.act in ("correct", "modify"):
            changed = self._follow_up(reading, state.model_copy(update={"last": state.proposal}), profile, today)
            if changed:                                  # "make it 4500" after a question in between: the waiting write
                return changed
        retry = bool(state.last) and state.last.route == "consent_required" and score < ACCEPT
        if state.last and (reading.act in ("modify", "correct", "inform", "select") or score < LEAN or retry
                           or top.name == state.last.capability):
            asks_else = top.name != state.last.capability and score >= ACCEPT    # "and if I pay just the minimum?"
            follow = self._follow_up(reading, state, profile, today,
                                     again=score < LEAN or retry or reading.act == "modify" and not asks_else)
            if follow:
                return follow
        declines_theirs = top.route == "decline" and not top.tools and _names_their_own(reading, profile)
        if score < LEAN or (top.writes or declines_theirs) and score < ACCEPT:   # a write, or calling the customer's
            return self._unsure(reading, scored, state, profile, today, theirs=declines_theirs)   # own off-topic
        if role == "support_agent" and (top.writes or top.name in ("handoff", "complaint", "hardship")):
            top = self.table.capabilities["knowledge"]          # agents ask how we do things; they act in their tools
        plan = self._carry_out(top, reading, {}, profile, today, state, score)
        for other_score, other, other_trigger in scored[1:4]:
            distinct = (other_trigger.action, other_trigger.topic) != (trigger.action, trigger.topic) and not \
                (top.writes and other_trigger.action == trigger.action)   # the same verb again: another reading of it
            if other_score >= ALSO and distinct and not other.writes and self._adds(plan, other):  # a second write
                # only from a clause that asks for it (below), never from a runner-up reading of the whole message
                plan = self._combine(plan, self._carry_out(other, reading, {}, profile, today, state, other_score))
        return self._other_clauses(plan, reading, profile, today, state)

    def _adds(self, plan: Plan, other: Capability) -> bool:
        """A further capability joins the plan when it does something (a stray clause read as small talk or off-topic
        adds nothing), is not there yet and would not be a second write."""
        return bool(other.tools) and other.name not in plan.capabilities and \
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
            if part.act == "request" and score >= ACCEPT and self._adds(plan, capability):
                extra = self._carry_out(capability, part, {}, profile, today, state, score)
                if not capability.writes or extra.calls and not extra.awaiting:   # a write only when spelt out
                    plan = self._combine(plan, extra)
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
            names_other = bool(reading.spans_of("merchant", "account", "person"))   # "the visa credit card one"
            if picked is None and len(awaiting.options) == 1 and reading.act in ("select", "affirm") and \
                    not names_other and not safety.yes_is_hedged(reading.text):   # nor "ok and the credit card?"
                picked = awaiting.options[0]
            if picked is None:
                return None
            value = picked["value"]
        elif slot.placeholder and (secret(slot, reading.text) or not slot.spans):
            value = secret(slot, reading.text)
            if value is None:
                return None
        else:
            whole = [Span(slot.spans[0], 0, len(reading.text), reading.text, 0.0)]
            spans = whole if slot.type == "text" and reading.act == "inform" else reading.spans_of(*slot.spans) or \
                (whole
                 if reading.act in ("inform", "select", "correct") and slot.type in ("account", "card", "merchant",
                                                                                     "category", "text", "payee",
                                                                                     "destination") else [])
            if not spans:
                return None
            try:
                value = slot_value(slot, spans, reading, profile, today, state)
            except Ask:
                return None
        return self._carry_out(capability, reading, {**awaiting.slots, awaiting.slot: value}, profile, today, state,
                               1.0, answered=awaiting.slot)

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
            changed = read_slots(capability, reading, profile, today, state, only=capability.follow_up)
        except Ask as ask:
            return self._question(capability, Plan(capability.name, 0.9, topics=state.last.topics), ask,
                                  dict(state.last.slots))
        if not changed and (not again or capability.writes):
            return None
        slots = dict(state.last.slots)
        for name, value in changed.items():
            previous = slots.get(name)
            adding = reading.act == "modify" and capability.slots[name].type == "debt_accounts"
            slots[name] = more_debts(previous or {}, value, profile) if adding else value
        plan = self._carry_out(capability, reading, slots, profile, today, state, 0.9, topics=state.last.topics)
        plan.data["follow_up"] = True
        return plan

    def _unsure(self, reading: Reading, scored: list, state: DialogueState, profile: Profile, today: date,
                theirs: bool = False) -> Plan:
        """Nothing is likely enough: the one capability of the likely action that the message's own values fill is
        meant ("pay the business platinum statement balance": a card, not a biller); else a banking topic gets the
        bank's documents, and otherwise the copilot asks what was meant. A message about the customer's own merchant
        or card that read as off-topic (`theirs`) gets the question."""
        filled = self._filled_by_values(reading, scored, state, profile, today)
        if filled:
            return filled
        topic, likelihood = max(reading.topics.items(), key=lambda kv: kv[1])
        if topic not in ("other", "assistant") and likelihood >= ACCEPT and not theirs:
            return self._carry_out(self.table.capabilities["knowledge"], reading, {}, profile, today, state, likelihood)
        if topic == "other" and not theirs:
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

    def _filled_by_values(self, reading: Reading, scored: list, state: DialogueState, profile: Profile,
                          today: date) -> Plan | None:
        """The clearly meant action's only capability that takes this message's values and needs nothing more
        ("show me a snowball plan": only the debt plan takes a strategy)."""
        action, likelihood = max(reading.actions.items(), key=lambda kv: kv[1], default=("", 0.0))
        if likelihood < ACCEPT or not reading.spans:
            return None
        said = {span.label for span in reading.spans}
        takers = [(score, c) for score, c, _ in scored if c.tools and any(t.action == action for t in c.triggers)
                  and said & {label for slot in c.slots.values() for label in slot.spans}]
        plans = [self._carry_out(c, reading, {}, profile, today, state, score) for score, c in takers]
        complete = [p for p in plans if p.calls and not p.awaiting and p.route != "clarify"]
        return complete[0] if len(complete) == 1 else None

    # --- one capability ---------------------------------------------------------------------------------------
    def _carry_out(self, capability: Capability, reading: Reading, known: dict, profile: Profile, today: date,
                   state: DialogueState, confidence: float, topics: list[str] | None = None,
                   came_from: tuple[str, ...] = (), answered: str | None = None) -> Plan:
        topics = topics or reading.likely(reading.topics)
        plan = Plan(capability.name, round(confidence, 3), route=capability.route, reply=capability.reply,
                    data=dict(capability.data), topics=topics)
        slots = dict(known)
        try:
            read_slots(capability, reading, profile, today, state, into=slots)
            if answered:                           # the whole reply answered that question, whatever it also names
                slots[answered] = known[answered]
            if capability.opposite and profile.flow(slots.get("merchant")) not in (None, capability.money):
                opposite = self.table.capabilities[capability.opposite]     # "how much did I make from Uber"
                return self._carry_out(opposite, reading, {k: v for k, v in known.items() if k in opposite.slots},
                                       profile, today, state, confidence, topics)
            switched = next((self.table.capabilities[other] for name, other in capability.switch.items()
                             if slots.get(name) is not None and other not in came_from), None)
            if switched:                           # "send 50 to savings" is a transfer, "... every payday" a standing order
                return self._carry_out(switched, reading, {k: v for k, v in slots.items() if k in switched.slots},
                                       profile, today, state, confidence, topics, (*came_from, capability.name))
            slots.update({**self._defaults(capability, slots, profile, state, reading), **self._carried(capability, slots, state),
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
        plan.calls = tool_calls(capability, slots, reading, topics)
        flow = profile.flow(slots.get("merchant"))
        for call in plan.calls:               # a merchant that only ever took money is searched as money out
            if flow and call.args.get("direction") in ("in", "out"):
                call.args["direction"] = flow
        plan.data.update(reply_data(capability, slots, reading))
        return plan

    def _question(self, capability: Capability, plan: Plan, ask: Ask, known: dict) -> Plan:
        slot = capability.slots[ask.slot]
        plan.route, plan.reply, plan.calls = "clarify", slot.ask or "clarify_problem", []
        plan.data.update({**known, **ask.data, "problem": ask.problem, "tool": capability.tool,
                          "options": [o["label"] for o in ask.options]})
        plan.awaiting = Awaiting(capability=capability.name, slot=ask.slot, slots=known, options=ask.options)
        return plan


    def _defaults(self, capability: Capability, slots: dict, profile: Profile, state: DialogueState,
                  reading: Reading) -> dict:
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
            if slot.type == "payee" and slot.required:
                named = resolve.payee_in(reading.text, profile)
                if named:
                    found[name] = named
                    continue
                raise Ask(name, options=[{"label": p.nickname or p.name, "value": p.name, "name": f"{p.name} {p.nickname}"}
                                         for p in profile.payees])
            if slot.type == "transaction" and state.focus.get("transaction") and capability.lookup and \
                    not _names_a_charge(capability, slots, state):
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
        listed = candidates(found, None)[:8] if found else []
        if listed:
            plan.awaiting = Awaiting(capability=capability.offers, slot="transaction", options=options(listed))

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
        found_charges = candidates(found, plan.data.get("dispute_reason"))
        if len(found_charges) == 1:
            return [ToolCall(capability.tool, {"transaction_id": found_charges[0]["id"],
                                               "reason": plan.data.get("dispute_reason", "other"),
                                               "details": plan.data.get("dispute_details")})]
        plan.route, plan.reply = "clarify", "ask_transaction"
        plan.data.update(candidates=found_charges[:5])
        plan.awaiting = Awaiting(capability=capability.name, slot="transaction", slots=plan.slots,
                                 options=options(found_charges[:5]))
        return []


def _names_a_charge(capability: Capability, slots: dict, state: DialogueState) -> bool:
    """The message names a charge of its own (a merchant, amount or period), or answers a list of several that it
    picked none of: the charge last talked about is then not the one meant ("sweetgreen, charged twice")."""
    offered_several = bool(state.awaiting and len(state.awaiting.options) > 1)
    return offered_several or any(slots.get(name) is not None for name, slot in capability.slots.items()
                                  if slot.type in ("merchant", "amount", "period"))


def _names_their_own(reading: Reading, profile: Profile) -> bool:
    """The message names one of the customer's own merchants, accounts or cards: it is about their banking."""
    return any(resolve.merchant(span.text, profile) or resolve.account(span.text, profile).unique
               for span in reading.spans_of("merchant", "account", "person"))
