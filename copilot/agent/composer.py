"""Answers from versioned templates (prompts/answers/*.j2): numbers only from tool results, facts only from cited
KB sentences. Also the last step of every turn: the output filters decide what may be released.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml
from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from copilot.agent.extract import best_sentences
from copilot.agent.formatting import FILTERS
from copilot.agent.state import Profile
from copilot.agent.turn import TurnContext
from copilot.compliance import Evidence, filter_output
from copilot.compliance.types import Decision
from copilot.consent import current_state
from copilot.prompts import PROMPTS

ANSWERS = PROMPTS / "answers"
CITATION = re.compile(r"\[([a-z0-9][a-z0-9._-]*#[a-z0-9._-]+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
PROJECTIONS = {"debt_payoff_plan", "savings_goal_plan", "cash_flow_forecast", "credit_guidance", "budget_status"}
FLAG_INTENTS = {"fraud_check": "fraud", "freeze_card": "fraud", "dispute": "fraud", "complaint": "complaint",
                "hardship": "hardship"}
# Wording the bank approves outside any tool or document (crisis lines in the vulnerable-customer reply).
APPROVED_FACTS = ["Emergency services: 911. 988 Suicide & Crisis Lifeline: call or text 988."]


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(ANSWERS), autoescape=False,
                      keep_trailing_newline=False, undefined=ChainableUndefined)
    env.filters.update(FILTERS)
    env.filters["abs"] = abs
    return env


@lru_cache(maxsize=1)
def _phrases() -> dict:
    return yaml.safe_load((ANSWERS / "_phrases.yaml").read_text(encoding="utf-8"))


def render(template: str, **values) -> str:
    phrases = _phrases()
    values.setdefault("phrases", phrases["intents"])
    values.setdefault("capabilities", phrases["capabilities"].strip())
    text = _env().get_template(f"{template}.j2").render(**values)
    text = re.sub(r"(?m)^(- .*)\n(?!- |\n)", r"\1\n\n", text)      # a sentence after a list is not its last item
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _outcome_text(outcome, turn: TurnContext) -> str:
    if outcome.status == "consent_required":
        consent = outcome.consent or {}
        return render("consent_required", purposes=list(consent.get("purposes", {}).values()),
                      reason=consent.get("reason"))
    if outcome.status == "confirm":
        return render("confirm", summary=outcome.pending_action["summary"])
    if outcome.status == "step_up_required":
        return render("step_up")
    if outcome.status != "ok":
        return render("problem", error=plain_error(outcome.error))
    result = dict(outcome.result or {})
    if outcome.name == "search_knowledge":
        quotes = [{"text": text, "citation": hit.citation}
                  for text, hit in best_sentences(outcome.args.get("query", turn.user_text), turn.hits)]
        return render("search_knowledge", answerable=result.get("answerable", False), quotes=quotes)
    if outcome.name == "handoff_to_agent":
        return render("handoff_to_agent", vulnerable=bool(turn.plan and turn.plan.data.get("vulnerable")),
                      position_in_queue=result.get("position_in_queue"))
    if outcome.name == "spending_summary":
        result.setdefault("scope", outcome.args.get("merchant") or outcome.args.get("category"))
    context = {**(turn.plan.data if turn.plan else {}), **result}
    return render(outcome.name, args=outcome.args, **context)


def plain_error(error: str | None) -> str:
    """A tool's error as the customer reads it: no "invalid arguments:" prefix, no argument_names."""
    text = re.sub(r"^invalid arguments:\s*", "", (error or "something went wrong").strip()).rstrip(".")
    return re.sub(r"\b([a-z]+)_([a-z_]+)\b", lambda m: m.group(0).replace("_", " "), text)


def compose(turn: TurnContext) -> str:
    """The offline provider's answer for this turn."""
    plan, profile = turn.plan, turn.profile
    sections = []
    if plan.reply == "consent_manage":
        plan.data["consents"] = consent_rows(turn)
    reply = render(plan.reply, first_name=profile.first_name, **plan.data) if plan.reply else ""
    if reply and not plan.data.get("ask_after"):
        sections.append(reply)
    latest = {}
    for outcome in turn.outcomes:
        latest[outcome.name] = outcome
    skip = {"search_transactions", "fraud_alerts"} if plan.intent == "dispute" else set()
    for name, outcome in latest.items():
        if name in skip or (name == "handoff_to_agent" and plan.intent == "complaint" and outcome.status == "ok"):
            continue
        sections.append(_outcome_text(outcome, turn))
    if plan.data.get("dispute_candidates") is not None and "dispute_transaction" not in latest:
        sections.append(render("clarify_transaction", candidates=plan.data["dispute_candidates"]))
    if reply and plan.data.get("ask_after"):
        sections.append(reply)
    return "\n\n".join(s for s in sections if s)


def consent_rows(turn: TurnContext) -> list[dict]:
    from copilot.consent import active_consents

    with turn.tool_ctx.db.session() as session:
        return [{"purpose": c.purpose, "granted": c.granted_at.date().isoformat(),
                 "expires": c.expires_at.date().isoformat() if c.expires_at else None}
                for c in active_consents(session, turn.tool_ctx.customer_id, turn.tool_ctx.now)]


def confirmation(outcome, profile: Profile) -> str:
    """The reply to a yes/no on a pending action."""
    if outcome.status == "ok" and outcome.result and outcome.result.get("cancelled"):
        return render("cancelled")
    if outcome.status == "ok":
        return render(outcome.name, args=outcome.args, **(outcome.result or {}))
    if outcome.status == "step_up_required":
        return render("step_up")
    return render("problem", error=plain_error(outcome.error))


def evidence(turn: TurnContext) -> Evidence:
    profile = turn.profile
    own = [profile.email, profile.phone, *profile.account_last4, *(c.last4 for c in profile.cards)]
    with turn.tool_ctx.db.session() as session:
        marketing = "marketing:offers" in current_state(session, profile.customer_id, turn.tool_ctx.now).scopes
    flags = set(turn.state.flags) | set(flags_for(turn))
    used = {o.name for o in turn.outcomes if o.status == "ok"}
    ledger = [turn.plan.data["consents"]] if turn.plan and "consents" in turn.plan.data else []
    return Evidence(tool_results=[grounding(o) for o in turn.outcomes] + ledger,
                    kb_chunks=[h.text for h in turn.hits] + APPROVED_FACTS, customer_messages=[turn.user_text],
                    own_identifiers=own, citations=turn.citations, flags=flags, marketing_consent=marketing,
                    has_projection=bool(used & PROJECTIONS) if turn.plan else None,
                    has_rates=None if "search_knowledge" in used or not turn.plan else False)


def grounding(outcome) -> dict:
    """What a tool call lets an answer state: its arguments, its result, and the size of each list it returned."""
    sizes = {key: len(value) for key, value in (outcome.result or {}).items() if isinstance(value, list)}
    return {"args": outcome.args, "result": outcome.result, "pending": outcome.pending_action, "counts": sizes,
            "error": outcome.error}


def release(draft: str, turn: TurnContext, route: str) -> tuple[str, Decision]:
    """Run the output filters; a blocked answer is replaced by the policy's customer-facing message."""
    decision = filter_output(draft, evidence(turn))
    return (decision.message if decision.blocked else decision.text), decision


def cited(text: str) -> list[str]:
    return list(dict.fromkeys(CITATION.findall(text)))


def flags_for(turn: TurnContext) -> list[str]:
    intents = turn.plan.intents or [turn.plan.intent] if turn.plan else []
    return [FLAG_INTENTS[i] for i in intents if i in FLAG_INTENTS]


def sentences(text: str) -> list[str]:
    """Sentence-sized pieces for streaming (whitespace kept so the client can join them back)."""
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces
