"""Replies to a pending write: it runs only on an unambiguous yes to that very action, is cancelled on a clear no,
and anything else is a new turn that leaves it waiting (the same rule for every provider).

A yes is unambiguous when the model reads it as one with high confidence, no veto pattern hedges it (a question,
"wait", "later", "but", a condition), it asks for nothing else, and any value it names is the action's own.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz import fuzz

from copilot.agent import safety
from copilot.agent.capabilities import capability_table
from copilot.agent.resolve import FILLER
from copilot.nlu import values
from copilot.nlu.encoding import Span
from copilot.nlu.model import Reading, get_understanding

AFFIRM = 0.85          # the model's confidence that a reply is a yes
NAMES_IT = 0.3         # ... enough when the yes also names the waiting action's own card, amount or charge
DENY = 0.6
ASKS_FOR_MORE = 0.6    # an action this likely means the reply asks for something besides the yes
ASKS_FOR_IT = 0.5      # a request this likely to be the waiting action's own capability is a yes to it


def _names_the_action(span: Span, summary: str, today: date) -> bool:
    """A value in the yes ("the store card", "$300", "the 24th") belongs to the action waiting for it."""
    try:
        if span.label in ("date", "period"):
            return values.day(span.text, today).isoformat() in summary
        if span.label.endswith("amount"):
            wanted = values.money(span.text).value
            return any(values.number(word) == wanted for word in values.words(summary) if word[:1].isdigit())
    except values.ValueProblem:
        return False
    spoken = [w for w in values.words(span.text) if w not in FILLER and len(w) > 1]
    said = values.words(summary)
    return all(max((fuzz.ratio(w, s) for s in said), default=0) >= 80 for w in spoken)


def _without_its_name(text: str, tool: str) -> str:
    """The reply without the words that name the waiting action ("yes cancel it" to a cancellation: "cancel" there is
    the action, not a change of mind)."""
    named = {w for c in capability_table().capabilities.values() if c.tool == tool for w in values.words(c.phrase)}
    return " ".join(w for w in text.split() if values.words(w) and values.words(w)[0] not in named) \
        if named else text


def _own_actions(tool: str) -> set[str]:
    return {t.action for c in capability_table().capabilities.values() if c.tool == tool for t in c.triggers}


def _is_yes(reading: Reading) -> bool:
    return reading.acts.get("affirm", 0.0) >= (AFFIRM if not reading.spans else NAMES_IT)


def _asks_for_it(reading: Reading, tool: str) -> bool:
    """"dispute it please", "freeze it asap": a request for exactly the action waiting is a yes to it."""
    if reading.act not in ("request", "affirm"):
        return False
    score, capability, _ = capability_table().scored(reading.actions, reading.topics)[0]
    return capability.tool == tool and score >= ASKS_FOR_IT


def _another_clause_asks(text: str, tool: str) -> bool:
    """"go ahead, and email me a copy": a clause besides the yes is a request of its own."""
    parts = [p for p in values.clauses(text) if p.strip(" ,.!") != text.strip(" ,.!")]
    parts = [rest for p in parts if (rest := _without_its_name(p, tool).strip(" ,.!"))]   # "cancel it" names it
    return any(r.act == "request" and not _asks_for_it(r, tool) for r in map(get_understanding().read, parts))


def decide(reading: Reading, pending: list[dict], today: date) -> str | None:
    """"affirm" (run the pending action), "deny" (cancel it) or None (a new turn; the action keeps waiting)."""
    if not pending:
        return None
    if reading.act in ("deny", "cancel") and reading.act_confidence >= DENY and not reading.spans:
        return "deny"
    action = pending[-1]
    if safety.yes_is_hedged(_without_its_name(reading.text, action["tool"])) or \
            not (_is_yes(reading) or _asks_for_it(reading, action["tool"])):
        return None
    own = _own_actions(action["tool"])
    if any(p >= ASKS_FOR_MORE and name not in own for name, p in reading.actions.items()) or \
            _another_clause_asks(reading.text, action["tool"]):
        return None
    if any(not _names_the_action(span, action["summary"], today) for span in reading.spans):
        return None
    return "affirm"


def overtaken(action: dict, follow_up: bool, outcomes: list) -> bool:
    """A what-if this turn changed a value the waiting action was proposed with ("what if I push it to August"
    while the June goal waits): the customer no longer means that action, so a later yes must not run it."""
    if not follow_up:
        return False
    asked = [o.args for o in outcomes if o.status == "ok"]
    return any(key in args and args[key] != value for args in asked for key, value in action["args"].items())
