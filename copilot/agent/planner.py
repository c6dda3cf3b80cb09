"""The offline planner: from a message and the dialogue state to a plan (tool calls, or a direct route).

Understanding = classifier ranking + precision rules + slots; planning = which tools with which arguments,
or a clarifying question when confidence is low or a needed slot is missing. Multi-step goals (dispute a
charge found by a search) continue in `next_calls` once the first tool results are in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from copilot.agent import rules, slots as slot_lib
from copilot.agent.intents import IntentClassifier, IntentScore
from copilot.agent.state import DialogueState, Profile

ACCEPT = 0.45          # a follow-up with a weaker top intent than this leans on the conversation's last request
AMBIGUOUS = 0.22       # below this, with no rule or context, we ask instead of guessing
BANKING_OFF_TOPIC = 0.8   # an "out of scope" guess below this about a banking subject goes to the knowledge base
CLOSE_CALL = (0.30, 0.85)  # below 0.30, ask when the runner-up is nearly as likely
SMALL_TALK = {"greeting", "thanks", "goodbye", "capabilities"}
TOOL_INTENTS = {"balance", "transactions", "spending", "budget_status", "set_budget", "bills", "debt_payoff",
                "savings_plan", "create_goal", "fraud_check", "freeze_card", "unfreeze_card", "dispute",
                "credit_guidance", "cash_flow"}
SPLIT = re.compile(r"\s*(?:\band (?:also|still|then)\b|\bwhile (?:still )?|\bplus\b|;|\?\s+(?=\w)|\. (?=\w)|"
                   r",? and (?=(?:can|could|how|what|when|where|which|will|should|is|are|do|am|tell|show|set|freeze|"
                   r"save|give|check|make|also|list)\b))\s*", re.I)
STATUS_QUESTION = re.compile(r"\b(refund|pending|still waiting|hasn'?t (arrived|shown|come|cleared|gone|changed|updated)|"
                             r"not (arrived|received|showing|shown|cleared|changed|updated)|where is my|why (is|was|has))\b",
                             re.I)
# An agent asking about their own authority or our procedures ("what's my goodwill limit?").
AGENT_PROCEDURE = re.compile(r"\b(what'?s|what is|what are) (my|our|the)\b.{0,25}\b(limits?|authority|process|procedure|"
                             r"polic(y|ies)|script|steps|rules)\b|\bam i (allowed|able|authori[sz]ed) to\b", re.I)
REFUND = re.compile(r"\brefund", re.I)
LOST_OR_STOLEN = re.compile(r"\b(lost|stolen|stole|missing|misplaced|can'?t find|nicked|taken)\b", re.I)
SHOW = re.compile(r"^\s*(please |can you |could you )?(show|list|find|pull up|get)\b", re.I)
LARGEST = re.compile(r"\b(biggest|largest|most expensive|highest|priciest)\b.{0,15}\b(purchases?|transactions?|payments?|"
                     r"charges?|expenses?|buys?|things?)\b", re.I)
EXTRA = re.compile(r"\b(extra|additional|on top of|more than (the |my )?minimums?)\b", re.I)
EXISTING_TRANSFERS = re.compile(r"\b(am i|are we|do i|did i|is)\b.{0,30}\b(still )?(moving|transferring|putting|sending|"
                                r"saving|paying)\b|\b(set (that|it|this) up|standing orders?|automatic (transfers?|savings?)|"
                                r"auto[- ]?save|recurring transfers?)\b", re.I)
PRICE_QUESTION = re.compile(r"\b(price|went up|gone up|increase[ds]?|more expensive|raised|hike)\b", re.I)
PER_MONTH = {"weekly": 52 / 12, "biweekly": 26 / 12, "monthly": 1.0}
GENERIC_CARD_WORDS = {"card", "the", "my", "everyday", "premier", "household", "business", "student", "debit"}
KNOWLEDGE_QUERY = {"complaint": "how to make a complaint and complaint timelines",
                   "hardship": "financial hardship help and payment arrangements",
                   "investment_advice": "investment advice boundary we do not give personalised investment advice"}


@dataclass
class ToolCall:
    name: str
    args: dict


@dataclass
class Plan:
    intent: str
    confidence: float
    route: str = "answer"                      # expected route when no tool changes it
    calls: list[ToolCall] = field(default_factory=list)
    reply: str | None = None                   # template of a direct reply (no tools), e.g. "clarify_intent"
    data: dict = field(default_factory=dict)   # what the reply template needs
    intents: list[str] = field(default_factory=list)


class Planner:
    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier

    # --- understanding ---------------------------------------------------------------------------------
    def classify(self, text: str, state: DialogueState) -> tuple[str, float, list[IntentScore]]:
        ranking = self.classifier.rank(text)
        top = ranking[0]
        ruled = rules.command(text)
        if ruled:
            return ruled, max(top.confidence, 0.9), ranking
        return top.intent, top.confidence, ranking

    def plan(self, text: str, state: DialogueState, profile: Profile, today: date, role: str = "customer") -> Plan:
        if rules.distressed(text) and role != "support_agent":
            return Plan("handoff", 1.0, route="handoff", calls=[ToolCall("handoff_to_agent", {
                "reason": "customer may be vulnerable or in distress", "priority": "high"})],
                        data={"vulnerable": True})
        intent, confidence, ranking = self.classify(text, state)
        slots = self.slots(text, profile, today, state)
        ruled = rules.command(text)
        if not ruled and slot_lib.hypothetical_debts(text):
            intent, confidence, ruled = "debt_payoff", max(confidence, 0.9), "debt_payoff"
        if not ruled and self.names_account(text, profile) and re.search(
                r"\b(how much|how big|balance|what'?s in|left in|have in|sitting in|got in|do (we|i) have)\b", text,
                re.I) and not re.search(r"\b(save|saving|goal|by|to get)\b", text, re.I) and not EXISTING_TRANSFERS.search(text):
            intent, confidence, ruled = "balance", max(confidence, 0.9), "balance"
        if ruled == "dispute" and not (slots.merchant or slots.merchant_text or slots.amounts) and \
                not re.search(r"\b(dispute|chargeback|charge back|contest)\b", text, re.I):
            intent = ruled = "transactions" if slots.category else "fraud_check"   # "double charged?": look first
        if ruled == "fraud_check" and state.last_intent == "fraud_check" and slots.merchant and rules.DISOWNED.search(text):
            intent = ruled = "dispute"                   # "I didn't make the Electro Mundo one", right after the alerts
        if not ruled and slots.strategy:
            intent, confidence, ruled = "debt_payoff", max(confidence, 0.9), "debt_payoff"   # "show me a snowball plan"
        if (not ruled or ruled == "spending") and (slots.merchant and SHOW.match(text) or LARGEST.search(text)) \
                and intent not in ("bills", "dispute", "fraud_check"):
            intent, confidence, ruled = "transactions", max(confidence, 0.9), "transactions"   # "show me my uber rides"
        if not ruled and slots.amounts and (slots.target_date or slots.months) and not slots.rates and \
                (confidence < 0.6 or intent == "out_of_scope"):
            intent, confidence, ruled = "savings_plan", 0.9, "savings_plan"   # "10k for a wedding in 18 months"
        policy_first = rules.asks_how_things_work(text) or rules.reports_a_fault(text) or REFUND.search(text)
        if not ruled and intent in ("transactions", "fraud_check", "dispute") and policy_first and \
                not (slots.merchant or slots.merchant_text or slots.amounts or slots.period):
            intent, ruled = "knowledge", "knowledge"          # "how long does a refund take to show up"
        about_customer = re.search(r"\b(this|the) customer\b|\btheir\b|\bher\b|\bhis\b|customer'?s\b", text, re.I)
        if role == "support_agent" and (intent in ("handoff", "complaint", "hardship") or AGENT_PROCEDURE.search(text) or
                                        (not ruled and confidence < 0.6 and not about_customer)):
            intent = "knowledge"                                 # agents mostly ask how we do things
        context = state.last_intent in TOOL_INTENTS and not ruled
        if context and rules.AGAIN.search(text) and len(text.split()) <= 10:
            return self.for_intent(state.last_intent, 1.0, slots, state, profile, text, follow_up=True)
        relative = slot_lib.RELATIVE_BEFORE.search(text) or slot_lib.RELATIVE_AFTER.search(text)
        if context and relative:
            base = state.last_args.get(TOOL_FOR.get(state.last_intent, ""), {})
            slots.period = slot_lib.shifted_period(base, today, bool(slot_lib.RELATIVE_AFTER.search(text))) \
                or slots.period
        leans = rules.is_correction(text) or (rules.is_follow_up(text) and confidence < ACCEPT) or \
            (rules.FOLLOW_UP.search(text) and (confidence < 0.7 or intent in (state.last_intent, "out_of_scope")
                                               or re.search(r"\binstead\b", text, re.I))) or \
            (state.awaiting and confidence < 0.7)
        if context and leans and (slots.filled() or relative):
            return self.for_intent(state.last_intent, confidence, slots, state, profile, text, follow_up=True)
        if not ruled and intent == "out_of_scope" and confidence < BANKING_OFF_TOPIC and rules.about_banking(text) and \
                "knowledge" in (r.intent for r in ranking[:3]):
            intent, confidence, ruled = "knowledge", 0.5, "knowledge"   # "what rate will I get at the weekend?"
        close = confidence < CLOSE_CALL[0] and ranking[1].confidence >= CLOSE_CALL[1] * confidence
        if not ruled and (confidence < AMBIGUOUS or close) and "knowledge" in (ranking[0].intent, ranking[1].intent) \
                and intent not in SMALL_TALK:
            intent, confidence, ruled = "knowledge", max(confidence, 0.5), "knowledge"
        parts = [p for p in SPLIT.split(text) if len(p.split()) >= 3]
        unsure = not ruled and (confidence < AMBIGUOUS or close)
        if unsure and len(parts) > 1:
            best = max(((part, *self.classify(part, state)[:2]) for part in parts), key=lambda item: item[2])
            if best[2] >= 0.5:
                intent, confidence, unsure, close = best[1], best[2], False, False
        main = self.for_intent(intent, confidence, slots, state, profile, text)
        if len(parts) > 1 and intent not in SMALL_TALK:
            main = self.with_other_goals(main, parts, profile, today, state)
        if intent not in SMALL_TALK and unsure and len(main.intents) < 2:
            if state.misunderstandings >= 2:
                return Plan("handoff", confidence, route="handoff", calls=[ToolCall("handoff_to_agent", {
                    "reason": "the copilot could not understand the request after several tries"})])
            options = [r.intent for r in ranking[:2] if r.intent not in ("out_of_scope", "affirm", "deny")]
            return Plan(intent, confidence, route="clarify", reply="clarify_intent", data={"options": options})
        return main

    @staticmethod
    def names_account(text: str, profile: Profile) -> str | None:
        """The first account the message names ("rainy day savings", "the operating account")."""
        return next(iter(Planner.named_accounts(text, profile.account_names)), None)

    @staticmethod
    def named_accounts(text: str, names: list[str]) -> list[str]:
        """Every one of `names` (the customer's account names) that the message names."""
        lowered = text.lower()
        found = []
        for name in names:
            words = [w for w in name.lower().split() if w not in {"account", "everyday", "premier", "the"} and len(w) > 3]
            if name.lower() in lowered or (words and sum(w in lowered for w in words) >= max(1, len(words) - 1)):
                found.append(name)
        return found

    def slots(self, text: str, profile: Profile, today: date, state: DialogueState) -> slot_lib.Slots:
        target, months = slot_lib.target_date(text, today)
        found = slot_lib.Slots(amounts=slot_lib.amounts(text), rates=slot_lib.rates(text),
                               period=slot_lib.period(text, today), merchant=slot_lib.merchant(text, profile.merchants),
                               category=slot_lib.category(text), strategy=slot_lib.strategy(text),
                               target_date=target, months=months, goal_name=slot_lib.goal_name(text))
        found.card = self.card(text, profile, state)
        found.horizon_days = slot_lib.horizon_days(text)
        found.days_to_month = slot_lib.days_to_named_month(text, today)
        found.merchant_text = None if found.merchant else slot_lib.payee(text)
        if found.merchant and found.category and found.category.replace("_", " ") in found.merchant.lower():
            found.merchant = None
        return found

    @staticmethod
    def card(text: str, profile: Profile, state: DialogueState) -> str | None:
        if rules.THAT_CARD.search(text) and state.last_card_id:
            return state.last_card_id
        if rules.OTHER_CARD.search(text) and state.last_card_id:
            others = [c for c in profile.cards if c.id != state.last_card_id and c.kind == "credit"] or \
                     [c for c in profile.cards if c.id != state.last_card_id]
            return others[0].id if len(others) == 1 else None
        last4 = slot_lib.last_four(text)
        lowered = text.lower()
        for card in profile.cards:
            if last4 == card.last4 or card.name.lower() in lowered:
                return card.id
        named = [c for c in profile.cards if any(re.search(rf"\b{re.escape(w)}\b", lowered)
                                                 for w in c.name.lower().split() if w not in GENERIC_CARD_WORDS)]
        if len(named) == 1:
            return named[0].id
        kinds = [c for c in (named or profile.cards)
                 if re.search(rf"\b{re.escape(c.network.lower())}\b", lowered)
                 or (c.kind == "debit" and re.search(r"\bdebit\b", lowered))
                 or (c.kind == "credit" and re.search(r"\bcredit( card)?\b", lowered))]
        return kinds[0].id if len(kinds) == 1 else None

    def with_other_goals(self, main: Plan, parts: list[str], profile: Profile, today: date,
                         state: DialogueState) -> Plan:
        """Several goals in one message: keep the main plan, add each other part's confident goal."""
        for part in parts:
            intent, confidence, _ = self.classify(part, state)
            if intent in main.intents or confidence < 0.4 or not (intent in TOOL_INTENTS or intent == "knowledge"):
                continue
            extra = self.for_intent(intent, confidence, self.slots(part, profile, today, state), state, profile, part)
            if not main.calls and main.route == "clarify" and extra.calls:   # answer the clear part, then ask
                extra.reply, extra.data = main.reply, {**main.data, **extra.data, "ask_after": True}
                main = extra
                continue
            known = {c.name for c in main.calls}
            main.calls.extend(c for c in extra.calls if c.name not in known)
            main.intents.append(intent)
            main.data = {**extra.data, **main.data}
            if extra.route == "clarify" and not main.reply:
                main.reply, main.data["ask_after"] = extra.reply, True
        return main

    # --- planning ---------------------------------------------------------------------------------------
    def for_intent(self, intent: str, confidence: float, s: slot_lib.Slots, state: DialogueState,
                   profile: Profile, text: str, follow_up: bool = False) -> Plan:
        tool = TOOL_FOR.get(intent, "")
        base = dict(state.last_args.get(tool, {})) if follow_up else {}
        if state.awaiting.get("tool") == tool:
            base = {**state.awaiting.get("partial", {}), **base}
        if intent == "create_goal":
            base = {**state.last_args.get("savings_goal_plan", {}), **base}
        if intent == "dispute" and state.last_transaction_id and rules.THAT_CHARGE.search(text):
            base = {"transaction_id": state.last_transaction_id}
        builder = BUILDERS.get(intent)
        if builder is None:
            return self.direct(intent, confidence, text)
        return builder(self, Plan(intent, confidence, intents=[intent]), s, base, profile, text)

    @staticmethod
    def next_calls(plan: Plan, outcomes: list, profile: Profile) -> list[ToolCall]:
        """A dispute continues once the charge is found: one candidate -> dispute it; several -> ask which."""
        if plan.intent != "dispute" or any(o.name == "dispute_transaction" for o in outcomes):
            return []
        found = next((o for o in reversed(outcomes) if o.status == "ok" and o.name in ("search_transactions",
                                                                                      "fraud_alerts")), None)
        if found is None:
            return []
        if found.name == "fraud_alerts":
            candidates = [t for a in found.result["alerts"] for step in a.get("next_steps", [])
                          if step.get("action") == "dispute_transaction"
                          for t in a["evidence"]["transactions"] if t["id"] == step["args"]["transaction_id"]]
        else:
            candidates = [t for t in found.result["transactions"] if t["amount"] < 0]
            twins = [t for t in candidates if sum(1 for u in candidates if (u["merchant"], u["amount"]) ==
                                                  (t["merchant"], t["amount"])) > 1]
            candidates = twins[:1] if twins and plan.data.get("dispute_reason") == "duplicate_charge" else candidates
        if len(candidates) == 1:
            return [ToolCall("dispute_transaction", {"transaction_id": candidates[0]["id"],
                                                     "reason": plan.data.get("dispute_reason", "other"),
                                                     "details": plan.data.get("dispute_details")})]
        plan.route = "clarify"
        plan.data.update(dispute_candidates=candidates[:5], tool="dispute_transaction")
        return []

    @staticmethod
    def direct(intent: str, confidence: float, text: str) -> Plan:
        if intent in SMALL_TALK:
            return Plan(intent, confidence, reply=intent)
        if intent in KNOWLEDGE_QUERY:
            route = {"complaint": "handoff", "investment_advice": "decline"}.get(intent, "answer")
            calls = [search_kb(KNOWLEDGE_QUERY[intent])]
            if intent == "complaint":
                calls.append(ToolCall("handoff_to_agent", {"reason": f"complaint: {text[:200]}"}))
            return Plan(intent, confidence, route=route, calls=calls, reply=intent)
        if intent == "knowledge":
            return Plan(intent, confidence, calls=[search_kb(text)])
        if intent == "handoff":
            return Plan(intent, confidence, route="handoff",
                        calls=[ToolCall("handoff_to_agent", {"reason": "customer asked for a person"})])
        if intent == "consent_manage":
            return Plan(intent, confidence, reply="consent_manage",
                        calls=[search_kb(f"consent and data sharing: {text}")])
        if intent in ("other_bank", "move_money"):
            return Plan(intent, confidence, route="decline", reply=intent)
        if intent == "acknowledge":
            return Plan(intent, confidence, reply="acknowledged")
        if intent == "credit_score":
            return Plan(intent, confidence, reply="credit_score",
                        calls=[search_kb("credit score and credit reporting")])
        if intent in ("affirm", "deny"):
            return Plan(intent, confidence, reply="nothing_pending")
        return Plan("out_of_scope", confidence, route="decline", reply="out_of_scope")


def search_kb(query: str) -> ToolCall:
    return ToolCall("search_knowledge", {"query": query})


def _period_args(s: slot_lib.Slots, base: dict) -> dict:
    if s.period:
        base = {k: v for k, v in base.items() if k not in ("period", "start_date", "end_date")}
        base.update(s.period.as_args())
    return base


def _money(s: slot_lib.Slots) -> float | None:
    plain = [a for a in s.amounts if not a.monthly] or s.amounts
    return float(plain[0].value) if plain else None


def _transactions(planner, plan, s, base, profile, text):
    args = _period_args(s, base)
    for key, value in (("merchant", s.merchant or s.merchant_text), ("category", s.category)):
        if value:
            args[key] = value
    if re.search(r"\b(paid|got|received|came in|deposit(ed)?|salary|refund|transferred|sent)\b", text, re.I) and not s.category:
        args["direction"] = "in" if re.search(r"\b(salary|paid me|got paid|deposit(ed)?|refund|came in|from (another|my other) "
                                              r"bank|transferred (money|funds|it) (in|from))\b", text, re.I) \
            else args.get("direction", "any")
    if s.amounts:
        args = {k: v for k, v in args.items() if k not in ("min_amount", "max_amount")}
        args.update(slot_lib.comparison(text, float(s.amounts[0].value)))
    if LARGEST.search(text):
        args["sort"], args["limit"] = "largest", 5
    status = STATUS_QUESTION.search(text)
    if status and not (s.period or s.merchant or s.merchant_text or s.amounts or s.category):
        args.update(period="last_14_days", limit=5)       # "my deposit still isn't showing": the latest, not 90 days
    plan.calls.append(ToolCall("search_transactions", args))
    if status:
        plan.calls.append(search_kb(text))
    return plan


def _spending(planner, plan, s, base, profile, text):
    args = _period_args(s, base)
    if s.category or s.merchant:
        args.pop("category", None), args.pop("merchant", None)
    if s.category:
        args["category"] = s.category
    if s.merchant or s.merchant_text:
        args["merchant"] = s.merchant or s.merchant_text
    plan.calls.append(ToolCall("spending_summary", args))
    return plan


def _simple(tool: str):
    def build(planner, plan, s, base, profile, text):
        plan.calls.append(ToolCall(tool, dict(base)))
        return plan
    return build


def _own_transfers(plan: Plan) -> Plan:
    """The customer's regular transfers to their own accounts ("am I still moving money into savings?")."""
    plan.calls.append(ToolCall("upcoming_bills", {"kinds": ["transfer"], "days": 45}))
    plan.data["focus"] = "transfers"
    return plan


def _bills(planner, plan, s, base, profile, text):
    if EXISTING_TRANSFERS.search(text) and re.search(r"\b(savings?|transfers?|standing orders?)\b", text, re.I):
        return _own_transfers(plan)
    days = s.horizon_days or (60 if PRICE_QUESTION.search(text) else None)
    plan.calls.append(ToolCall("upcoming_bills", {"days": min(max(days, 1), 120)} if days else {}))
    plan.data["focus"] = "price_rises" if PRICE_QUESTION.search(text) else None
    return plan


def _cash_flow(planner, plan, s, base, profile, text):
    days = s.horizon_days or s.days_to_month
    args = {"days": min(max(days, 7), 90)} if days else dict(base)
    plan.calls.append(ToolCall("cash_flow_forecast", args))
    floor = [float(a.value) for a in s.amounts if re.search(
        r"\b(under|below|beneath|less than|lower than)\s*$", text[:a.start], re.I)]
    plan.data["threshold"] = floor[0] if floor else None             # "will we dip under 10k?"
    return plan


def _balance(planner, plan, s, base, profile, text):
    account = planner.names_account(text, profile)
    args = {"account": account} if account else {}
    if not account and re.search(r"\b(due|minimum|min payment|owe|owed|outstanding)\b", text, re.I):
        args["kinds"] = ["credit_card"] if re.search(r"\bcards?\b", text, re.I) and not re.search(
            r"\bloans?\b", text, re.I) else ["credit_card", "personal_loan", "term_loan"]   # "when is my card payment due"
    plan.calls.append(ToolCall("get_balances", args))
    return plan


def _credit(planner, plan, s, base, profile, text):
    extra = _money(s) if re.search(r"\b(extra|on top|more)\b", text, re.I) else None
    plan.calls.append(ToolCall("credit_guidance", {"extra_payment": extra} if extra else {}))
    return plan


def _budget_status(planner, plan, s, base, profile, text):
    args = {"category": s.category} if s.category else {}
    plan.calls.append(ToolCall("budget_status", args))
    return plan


def _set_budget(planner, plan, s, base, profile, text):
    category, limit = s.category or base.get("category"), _money(s) or base.get("monthly_limit")
    if not category or not limit:
        return Plan(plan.intent, plan.confidence, route="clarify", reply="clarify_budget",
                    data={"category": category, "limit": limit, "tool": "set_budget",
                          "partial": {k: v for k, v in (("category", category), ("monthly_limit", limit)) if v}})
    plan.calls.append(ToolCall("set_budget", {"category": category, "monthly_limit": limit}))
    return plan


def _debt(planner, plan, s, base, profile, text):
    args = dict(base)
    debts = slot_lib.hypothetical_debts(text)
    if debts:
        args["debts"] = debts
    payment = slot_lib.monthly_payment(text) or (_money(s) if not debts and s.amounts else None)
    if payment and EXTRA.search(text):
        args["extra_payment"] = payment                              # "an extra 200 a month": on top of the minimums
    elif payment:
        args["monthly_payment"] = payment
    if s.strategy:
        args["strategy"] = s.strategy
    if not debts:
        without_loan = re.search(r"\b(leave|without|exclude|excluding|not|except|ignore)\b.{0,20}\bloans?\b", text, re.I)
        without_card = re.search(r"\b(leave|without|exclude|excluding|not|except|ignore)\b.{0,20}\bcards?\b", text, re.I)
        only_cards = re.search(r"\b(credit )?cards\b", text, re.I) and (without_loan or
                                                                      not re.search(r"\bloans?\b", text, re.I))
        only_loans = re.search(r"\bloans?\b", text, re.I) and (without_card or
                                                              not re.search(r"\bcards?\b", text, re.I))
        named = planner.named_accounts(text, profile.debt_names)
        if named and not (without_loan or without_card) and not re.search(r"\b(all|every|both|cards|loans|debts)\b", text, re.I):
            args["accounts"] = named                                     # "when will my visa be paid off"
        elif only_cards or only_loans:
            args["debt_types"] = "cards" if only_cards else "loans"
    plan.calls.append(ToolCall("debt_payoff_plan", args))
    return plan


def _goal_amounts(s: slot_lib.Slots, text: str) -> tuple[float | None, float | None, tuple | None]:
    """(target, saved so far, contribution) from the message's amounts, each amount used once."""
    saved, contribution = slot_lib.saved_so_far(text), slot_lib.contribution(text)
    used = {saved, contribution[0] if contribution else None}
    rest = [float(a.value) for a in s.amounts if float(a.value) not in used]
    return (max(rest) if rest else None), saved, contribution


def _savings(planner, plan, s, base, profile, text):
    target, saved, contribution = _goal_amounts(s, text)
    if not (target or contribution or base) and EXISTING_TRANSFERS.search(text):   # "am I still moving money into savings?"
        return _own_transfers(plan)
    target = target or base.get("target_amount")
    when = s.target_date.isoformat() if s.target_date else base.get("target_date")
    if target and not when and contribution and not base.get("months"):   # "save 200 a paycheck, how long to 5k?"
        per_month = contribution[0] * PER_MONTH.get(contribution[1] if contribution[1] != "per_paycheque"
                                                    else profile.pay_cadence, 1.0)
        base = {**base, "months": max(1, math.ceil((target - (saved or 0)) / per_month))}
    if not target and contribution and (when or base.get("months")):      # "25 a week, what will I have by June?"
        cadence = profile.pay_cadence if contribution[1] == "per_paycheque" else contribution[1]
        args = {"contribution": contribution[0], "cadence": cadence if cadence in PER_MONTH else "monthly",
                **({"target_date": when} if when else {"months": base["months"]})}
        plan.calls.append(ToolCall("savings_goal_plan", args | ({"saved_so_far": saved} if saved else {})))
        return plan
    if not target or not (when or base.get("months")):
        return Plan(plan.intent, plan.confidence, route="clarify", reply="clarify_goal",
                    data={"needs": "date" if target else "amount", "tool": "savings_goal_plan",
                          "partial": {"target_amount": target} if target else {}})
    args = {"target_amount": target, **({"target_date": when} if when else {"months": base["months"]})}
    if saved:
        args["saved_so_far"] = saved
    plan.calls.append(ToolCall("savings_goal_plan", args))
    return plan


def _create_goal(planner, plan, s, base, profile, text):
    target, _, contribution = _goal_amounts(s, text)
    if not target and base.get("target_amount"):     # "ok make that a goal": the plan we just made
        target = base["target_amount"]
        if not s.target_date and base.get("target_date"):
            s.target_date = date.fromisoformat(str(base["target_date"]))
    if not target or not (s.target_date or contribution):
        return Plan(plan.intent, plan.confidence, route="clarify", reply="clarify_goal",
                    data={"needs": "date" if target else "amount", "tool": "create_savings_goal",
                          "partial": {"target_amount": target} if target else {}})
    args = {"name": (s.goal_name or "Savings goal")[:80], "target_amount": target}
    if s.target_date:
        args["target_date"] = s.target_date.isoformat()
    if contribution:
        args["contribution"] = contribution[0]
        args["cadence"] = {"per_paycheque": "biweekly" if profile.pay_cadence == "biweekly" else "monthly"}.get(
            contribution[1], contribution[1])
    plan.calls.append(ToolCall("create_savings_goal", args))
    return plan


def _card_action(tool: str):
    def build(planner, plan, s, base, profile, text):
        wanted = [c for c in profile.cards if (c.status == "frozen") == (tool == "unfreeze_card")]
        if tool == "unfreeze_card" and not wanted and not s.card:
            return Plan(plan.intent, plan.confidence, reply="nothing_frozen",      # "how do I unblock my PIN?"
                        calls=[search_kb(text)])
        card_id = s.card or base.get("card") or (wanted[0].id if len(wanted) == 1 else None)
        if not card_id:
            guidance = [search_kb(text)] if LOST_OR_STOLEN.search(text) else []
            return Plan(plan.intent, plan.confidence, route="clarify", reply="clarify_card", calls=guidance,
                        data={"cards": [c.label for c in (wanted or profile.cards)], "tool": tool,
                              "ask_after": bool(guidance)})
        args = {"card": card_id}
        if tool == "freeze_card":
            args["reason"] = freeze_reason(text)
        plan.calls.append(ToolCall(tool, args))
        return plan
    return build


def freeze_reason(text: str) -> str:
    for pattern, reason in ((r"stole|nicked|swiped|taken", "stolen"), (r"for now|for a bit|temporar|can'?t find|misplaced",
                                                                       "temporary"), (r"lost|missing", "lost"),
                            (r"fraud|not me|didn'?t make|unauthori|suspicious|hacked|compromised", "suspected_fraud"),
                            (r"travel|trip|abroad", "travel")):
        if re.search(pattern, text, re.I):
            return reason
    return "temporary"


def dispute_reason(text: str) -> str:
    for pattern, reason in ((r"twice|double|duplicate|two times|same charge", "duplicate_charge"),
                            (r"never (arrived|came|received)|didn'?t (get|receive|arrive)|not (received|delivered)",
                             "not_received"), (r"wrong amount|overcharged|charged more|too much", "wrong_amount"),
                            (r"cancel+ed|unsubscribed", "cancelled_subscription"),
                            (r"not me|wasn'?t me|didn'?t (make|buy|authori[sz]e)|don'?t recogni[sz]e|unauthori|fraud|"
                             r"stolen|never made|no idea what", "unauthorized")):
        if re.search(pattern, text, re.I):
            return reason
    return "other"


def _dispute(planner, plan, s, base, profile, text):
    if base.get("transaction_id"):
        plan.calls.append(ToolCall("dispute_transaction", {"transaction_id": base["transaction_id"],
                                                           "reason": dispute_reason(text), "details": text[:250]}))
        return plan
    args = _period_args(s, {})
    if s.merchant:
        args["merchant"] = s.merchant
    if s.amounts:
        args["min_amount"] = args["max_amount"] = float(s.amounts[0].value)
    if not (s.merchant or s.amounts):
        plan.calls.append(ToolCall("fraud_alerts", {}))
    else:
        plan.calls.append(ToolCall("search_transactions", args))
    plan.data["dispute_reason"] = dispute_reason(text)
    plan.data["dispute_details"] = text[:250]
    return plan


BUILDERS = {
    "balance": _balance, "transactions": _transactions, "spending": _spending,
    "budget_status": _budget_status, "set_budget": _set_budget, "bills": _bills,
    "debt_payoff": _debt, "savings_plan": _savings, "create_goal": _create_goal,
    "fraud_check": _simple("fraud_alerts"), "freeze_card": _card_action("freeze_card"),
    "unfreeze_card": _card_action("unfreeze_card"), "dispute": _dispute,
    "credit_guidance": _credit, "cash_flow": _cash_flow,
}
TOOL_FOR = {"balance": "get_balances", "transactions": "search_transactions", "spending": "spending_summary",
            "budget_status": "budget_status", "set_budget": "set_budget", "bills": "upcoming_bills",
            "debt_payoff": "debt_payoff_plan", "savings_plan": "savings_goal_plan",
            "create_goal": "create_savings_goal", "fraud_check": "fraud_alerts", "freeze_card": "freeze_card",
            "unfreeze_card": "unfreeze_card", "dispute": "dispute_transaction", "credit_guidance": "credit_guidance",
            "cash_flow": "cash_flow_forecast"}
