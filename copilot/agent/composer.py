"""Answers from versioned templates (prompts/answers/*.j2): numbers only from tool results, facts only from cited
KB sentences. Also the last step of every turn: the output filters decide what may be released.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import yaml
from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from copilot.agent.capabilities import capability_table
from copilot.agent.claims import without_change_claims
from copilot.agent.extract import best_sentences
from copilot.agent.formatting import FILTERS
from copilot.agent.plans import Plan
from copilot.agent.state import Profile
from copilot.agent.turn import TurnContext
from copilot.compliance import Evidence, filter_output
from copilot.compliance.grounding import DATE as DATES
from copilot.compliance.grounding import Grounding
from copilot.compliance.types import Decision
from copilot.context import KnowledgeHit
from copilot.prompts import PROMPTS

ANSWERS = PROMPTS / "answers"
CITATION = re.compile(r"\[([a-z0-9][a-z0-9._-]*#[a-z0-9._-]+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
PROJECTIONS = {"debt_payoff_plan", "savings_goal_plan", "cash_flow_forecast", "credit_guidance", "budget_status"}
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
def _capabilities_phrase() -> str:
    return yaml.safe_load((ANSWERS / "_phrases.yaml").read_text(encoding="utf-8"))["capabilities"].strip()


def render(template: str, **values) -> str:
    values.setdefault("capabilities", _capabilities_phrase())
    text = _env().get_template(f"{template}.j2").render(**values)
    text = re.sub(r"(?m)^(- .*)\n(?!- |\n)", r"\1\n\n", text)      # a sentence after a list is not its last item
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def outcome_text(outcome, plan: Plan | None, hits: list[KnowledgeHit], query: str) -> str:
    """One tool outcome in words."""
    if outcome.status == "consent_required":
        consent = outcome.consent or {}
        return render("consent_required", purposes=list(consent.get("purposes", {}).values()),
                      reason=consent.get("reason"))
    if outcome.status == "confirm":
        return render("confirm", summary=outcome.pending_action["summary"])
    if outcome.status == "step_up_required":
        return step_up(outcome, None)
    if outcome.status != "ok":
        return render("problem", error=plain_error(outcome.error))
    result = dict(outcome.result or {})
    data = plan.data if plan else {}
    if outcome.name == "search_knowledge":
        quotes = [{"text": text, "citation": hit.citation}
                  for text, hit in best_sentences(outcome.args.get("query", query), hits)]
        return render("search_knowledge", answerable=result.get("answerable", False), quotes=quotes)
    if outcome.name == "handoff_to_agent":
        return render("handoff_to_agent", vulnerable=bool(data.get("vulnerable")),
                      position_in_queue=result.get("position_in_queue"))
    if outcome.name == "spending_summary":
        result.setdefault("scope", outcome.args.get("merchant") or outcome.args.get("category"))
    return render(outcome.name, args=outcome.args, **{**data, **result})


def plain_error(error: str | None) -> str:
    """A tool's error as the customer reads it: no "invalid arguments:" prefix, no argument_names."""
    text = re.sub(r"^invalid arguments:\s*", "", (error or "something went wrong").strip()).rstrip(".")
    return re.sub(r"\b([a-z]+)_([a-z_]+)\b", lambda m: m.group(0).replace("_", " "), text)


def compose(plan: Plan, outcomes: list, hits: list[KnowledgeHit], profile: Profile, query: str,
            consents: list[dict] | None = None) -> str:
    """The offline provider's answer: the plan's own reply (a question, a preface) and each tool's outcome."""
    table = capability_table().capabilities
    data = {**plan.data, "consents": consents or []}
    reply = render(plan.reply, first_name=profile.first_name, **data) if plan.reply else ""
    latest = {}
    for outcome in outcomes:                  # a call made again answers once; calls for several merchants each
        latest[(outcome.name, json.dumps(outcome.args, sort_keys=True, default=str))] = outcome
    main = table.get(plan.capability or "")
    looked_up = {main.lookup} if main and main.lookup else set()     # a lookup only the main request continues
    quiet = (looked_up | {"fraud_alerts"}) if looked_up else set()
    sections = [reply] if reply and not plan.data.get("ask_after") else []
    for (name, _), outcome in latest.items():
        if name in quiet and outcome.status == "ok" or \
                (name == "handoff_to_agent" and "complaint" in plan.capabilities and outcome.status == "ok") or \
                (name == "search_knowledge" and _found_nothing(outcome) and (reply or len(latest) > 1)):
            continue                       # "I don't know" is an answer only when nothing else in the turn answers
        sections.append(outcome_text(outcome, plan, hits, query))
    if reply and plan.data.get("ask_after"):
        sections.append(reply)
    paragraphs = [p for s in sections if s for p in s.split("\n\n")]
    return "\n\n".join(p for i, p in enumerate(paragraphs) if p not in paragraphs[i + 1:])   # a note said once, last


def _found_nothing(outcome) -> bool:
    return outcome.status == "ok" and not (outcome.result or {}).get("answerable", False)


def confirmation(outcome, profile: Profile) -> str:
    """The reply to a yes/no on a pending action."""
    if outcome.status == "ok" and outcome.result and outcome.result.get("cancelled"):
        return render("cancelled")
    if outcome.status == "ok":
        return render(outcome.name, args=outcome.args, **(outcome.result or {}))
    if outcome.status == "step_up_required":
        return step_up(outcome, profile)
    return render("problem", error=plain_error(outcome.error))


def step_up(outcome, profile: Profile | None) -> str:
    """Ask for the one-time code; after a wrong one (a failed `step_up` check), say why and how many tries are left."""
    problem = outcome.error if outcome.name == "step_up" else None
    return render("step_up", problem=problem, locked=bool(problem and "locked" in problem),
                  phone_last4=profile.phone[-4:] if profile else "")


def evidence(turn: TurnContext) -> Evidence:
    profile = turn.profile
    own = [profile.email, profile.phone, *profile.account_last4, *(c.last4 for c in profile.cards)]
    marketing = "marketing:offers" in turn.scopes
    flags = set(turn.state.flags) | set(flags_for(turn.plan))
    used = {o.name for o in turn.outcomes if o.status == "ok"}
    pending = [{"pending": action} for action in turn.pending]
    return Evidence(tool_results=_grounded_calls(turn) + turn.consents + pending,
                    kb_chunks=[h.text for h in turn.hits] + APPROVED_FACTS, customer_messages=[turn.user_text],
                    own_identifiers=own, citations=turn.citations, flags=flags, marketing_consent=marketing,
                    has_projection=bool(used & PROJECTIONS) if turn.plan else None,
                    has_rates=None if "search_knowledge" in used or not turn.plan else False)


def _grounded_calls(turn: TurnContext) -> list[dict]:
    """The calls an answer may rest on. The offline planner's arguments come from the customer's words and data;
    a model's count only when every figure in them traces to the customer's message or an earlier result, and a
    call that failed grounds nothing (its error echoes what was sent)."""
    if turn.model.offered is None:
        return [grounding(o) for o in turn.outcomes]
    trusted, calls = Evidence(customer_messages=[turn.user_text]), []
    for outcome in turn.outcomes:
        if outcome.status not in ("ok", "confirm", "step_up_required"):
            continue
        arguments = DATES.sub(" ", json.dumps(outcome.args, default=str))
        if Grounding(trusted).untraceable(arguments):
            continue
        calls.append(grounding(outcome))
        trusted.tool_results.append(calls[-1])
    return calls


def grounding(outcome) -> dict:
    """What a tool call lets an answer state: its arguments, its result, and the size of each list it returned."""
    sizes = {key: len(value) for key, value in (outcome.result or {}).items() if isinstance(value, list)}
    return {"args": outcome.args, "result": outcome.result, "pending": outcome.pending_action, "counts": sizes,
            "error": outcome.error}


def release(draft: str, turn: TurnContext, *, written_by_model: bool = False) -> tuple[str, Decision]:
    """The one release path of an answer: a model's claims of changes (or of a hand-off) it cannot have made are
    dropped, citations of passages not retrieved in the turn removed, then the output filters decide (a blocked
    answer is replaced by the policy's customer-facing message)."""
    if written_by_model:
        kept, dropped = without_change_claims(sentences(draft), turn.handed_off)
        if dropped:
            turn.untrusted_rules.append("model.unexecuted_change_claim")
            draft = "".join(kept).strip() or "\n\n".join(outcome_text(o, None, turn.hits, turn.user_text)
                                                          for o in turn.outcomes) or render("problem", error="nothing was changed")
    retrieved = set(turn.citations)
    draft = CITATION.sub(lambda m: m.group(0) if m.group(1) in retrieved else "", draft)
    decision = filter_output(draft, evidence(turn))
    return (decision.message if decision.blocked else decision.text), decision


def cited(text: str) -> list[str]:
    return list(dict.fromkeys(CITATION.findall(text)))


def flags_for(plan: Plan | None) -> list[str]:
    table = capability_table().capabilities
    return [table[c].flag for c in (plan.capabilities if plan else []) if c in table and table[c].flag]


def sentences(text: str) -> list[str]:
    """Sentence-sized pieces for streaming (whitespace kept so the client can join them back)."""
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces
