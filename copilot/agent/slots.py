"""Slot values from what the model read: each span read by the slot's type, matched to the customer's own data.

A value that is absurd, unknown or ambiguous is an `Ask`: the planner turns it into a question, never a guess.
"""

from __future__ import annotations

import re
from datetime import date

from copilot.agent import resolve
from copilot.agent.capabilities import Capability, Slot
from copilot.agent.plans import Ask
from copilot.agent.state import AccountInfo, DialogueState, Profile
from copilot.nlu import values
from copilot.nlu.encoding import Span
from copilot.nlu.model import Reading
from copilot.nlu.values import NoValue, ValueProblem
from tools.places import ABROAD

DEBT_KINDS = {"credit_card": "cards", "personal_loan": "loans", "term_loan": "loans"}
TIMES = ("period", "deadline", "horizon")               # slot types that hold a time
TIME_LABELS = ("period", "date", "deadline", "horizon")  # span labels that name one
CADENCE_GAP = 12  # characters between an amount and the cadence that makes it a regular amount ("200 a month")


def read_slots(capability: Capability, reading: Reading, profile: Profile, today: date, state: DialogueState,
               only: list[str] | None = None, into: dict | None = None) -> dict:
    """The slot values this message states, added to `into` as they are read (raises Ask when one makes no
    sense or is ambiguous)."""
    found = {} if into is None else into
    for name, slot in capability.slots.items():
        if only is not None and name not in only:
            continue
        spans = [s for s in reading.spans_of(*slot.spans) or _other_times(capability, slot, reading)
                 if cadence_fits(slot, s, reading)]
        value = (secret(slot, reading.text) if slot.placeholder else None) or \
            (slot_value(slot, spans, reading, profile, today, state, name=name) if spans else None)
        if value is not None:
            found[name] = value
    payee = next((m for s in reading.spans_of("account") if (m := resolve.merchant(s.text, profile))
                  and resolve.account(s.text, profile).nothing), None)
    if payee and "merchant" in capability.slots and found.get("merchant") is None and \
            (only is None or "merchant" in only):
        found["merchant"] = payee                   # a payee the model took for an account ("lakeview apartments")
    return found

def secret(slot: Slot, text: str) -> str | None:
    """The vault placeholder a message carries for the slot ("[ACCOUNT_1]", "[NAME_1]"): the value stays in the vault."""
    found = re.search(rf"\[{slot.placeholder}_\d+\]", text)
    return found.group(0) if found else None


def _other_times(capability: Capability, slot: Slot, reading: Reading) -> list[Span]:
    """A time the model labelled as another kind ("what about June" read as a period where a plan needs a deadline):
    the capability decides which time it needs, when none of its slots takes that kind."""
    if slot.type not in TIMES:
        return []
    used = {label for other in capability.slots.values() for label in other.spans}
    return reading.spans_of(*(label for label in TIME_LABELS if label not in used))


def cadence_fits(slot: Slot, span: Span, reading: Reading) -> bool:
    if slot.cadence is None:
        return True
    regular = any(c.label == "cadence" and 0 <= c.start - span.end <= CADENCE_GAP for c in reading.spans)
    return regular == (slot.cadence == "with")

def slot_value(slot: Slot, spans: list[Span], reading: Reading, profile: Profile, today: date, state: DialogueState,
               name: str = ""):
    """One slot's value from its spans, by type; Ask when it is absurd, unknown or ambiguous. A slot of one value
    takes the first of its spans that makes sense ("before I get paid on the 28th": the 28th); spans that state
    no value are as if unsaid."""
    name = name or slot.spans[0]
    if slot.many and slot.type == "merchant":
        own = list(dict.fromkeys(m for span in spans if (m := resolve.merchant(span.text, profile))))
        if len(own) > 1:
            return own                              # "amazon, target and walmart": each of the customer's own
    together = slot.type in ("amount", "debt_accounts", "debts", "card", "transaction", "source", "destination")
    first_problem = None
    for attempt in [spans] if together else [[span] for span in spans]:
        try:
            value = _value(slot, attempt, reading, profile, today, state, name)
        except Ask as problem:
            first_problem = first_problem or problem
            continue
        if value is not None:
            return value
    if first_problem:
        raise first_problem
    return None


def _value(slot: Slot, spans: list[Span], reading: Reading, profile: Profile, today: date, state: DialogueState,
           name: str):
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
        if slot.type in ("source", "destination"):
            return leg(slot.type, spans, reading, profile, debts_only=slot.among == "debts")
        if slot.type == "day":                          # a payment day: today or later
            found = values.deadline(span.text, today).day
            return found.isoformat() if found > today else None
        if slot.type == "recurrence":
            found = values.cadence(span.text)
            return found if found in ("weekly", "biweekly", "monthly", "per_paycheque") else None
        if slot.type == "payee":
            return resolve.payee(span.text, profile)
        if slot.type == "new_payee":                    # someone named who is not saved (nor one of their accounts)
            named = resolve.specific(span.text) and not resolve.payee(span.text, profile) and \
                resolve.account(span.text, profile).nothing
            return " ".join(w for w in span.text.strip(" .,!?").split() if w.lower() not in resolve.FILLER) \
                if named else None
        if slot.type == "cadence":
            found = values.cadence(span.text)
            regular = profile.pay_cadence if profile.pay_cadence in ("weekly", "biweekly", "monthly") else "biweekly"
            return regular if found == "per_paycheque" else found if found in ("weekly", "biweekly", "monthly") \
                else None
        if slot.type in ("strategy", "sort"):
            return resolve.meaning(span.text, {"strategy": "strategies", "sort": "sorts"}[slot.type])
        if slot.type == "place":                      # a city or country the tool finds, or anywhere abroad
            return ABROAD if resolve.meaning(span.text, "places") else span.text.strip(" .,!?")
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
    except NoValue:
        return None                                # words that state no value ("since when"): as if unsaid
    except ValueProblem as problem:
        raise Ask(name, str(problem)) from problem
    return None


def leg(kind: str, spans: list[Span], reading: Reading, profile: Profile, debts_only: bool = False) -> str | None:
    """The account money leaves (`source`) or goes into (`destination`): the word before each account says ("from
    savings", "into checking"); an account without one takes the role the others leave; with none said, a card
    or loan is paid into and a deposit account is the destination of a lone mention. `debts_only`: a reference
    that fits several accounts names the one card or loan among them ("the business card" to pay)."""
    directions = values.vocabulary()["directions"]
    roles: list[tuple[str | None, AccountInfo]] = []
    for span in spans:
        match = resolve.account(span.text, profile)
        owed = [a for a in match.candidates if a.kind in DEBT_KINDS]
        if debts_only and len(owed) == 1:
            match = resolve.Match(owed[0])
        if not match.unique:
            continue
        before = [w for w in values.words(reading.text[max(0, span.start - 16):span.start]) if w not in ("my", "the")]
        said = next((role for role, cue in directions.items() if before and before[-1] in cue), None)
        roles.append((said, match.found))
    taken = {role for role, _ in roles if role}
    settled = []
    for role, account in roles:
        if role is None:
            role = "to" if "from" in taken or account.kind in DEBT_KINDS else "from" if "to" in taken else "to"
        settled.append((role, account))
    wanted = "from" if kind == "source" else "to"
    return next((account.name for role, account in settled if role == wanted), None)


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
    if match.candidates and not slot.required:
        return None            # "my debit" fits two cards and a read may cover both: ask only when acting on one
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


def more_debts(previous: dict, added: dict, profile: Profile) -> dict:
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
