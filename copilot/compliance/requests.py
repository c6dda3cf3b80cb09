"""Requests the bank never makes, in an answer or inside data: hand over a secret (card number, CVV, PIN, password; a
one-time code sent anywhere but here), or move money to an account the customer did not name (a "safe account", an
account number nobody in the conversation gave). Word classes in prompts/compliance/phrases.yaml `requests`.

A request is a give-verb with a secret as its object in a requesting frame: an imperative, "please", "can you",
"we need", an obligation of the reader ("you must", "customers should", "is to be emailed"). Reported speech and
warnings ("if anyone asks you to send your PIN", "scammers tell you to ..."), negated clauses ("never share your
PIN") and lists under a negated lead-in ("We will never ask you to:") are not requests.

Two modes. `answer` (the output filter): every money movement towards an unknown account is a redirection, whatever
its mood, since the answer states or proposes it to the customer; known = the customer's own identifiers, numbers
in their messages, and numbers in tool results that no knowledge chunk holds. `data` (scan_untrusted): tool results
hold the bank's own proposals ("Send $50 to Alex (account ending 1234)") and documents list what the bank never asks
("- tell us your password;" under a lead-in in another paragraph), so in data a bare imperative asks for a secret
only when it sends it out of the bank (an email address, a link, "to the agent"), and a redirection needs a
requesting frame other than a bare imperative, or the customer's whole savings as its object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from copilot.compliance.advice import LIST_MARK, clauses
from copilot.compliance.policy import Policy
from copilot.compliance.types import Evidence

DIGITS = re.compile(r"\d{3,}")
PLACEHOLDER = re.compile(r"\[[A-Z]+_\d+\]")


@dataclass(frozen=True)
class Request:
    rule_id: str          # scam.credential_request | scam.payment_redirection
    match: str
    start: int            # offset of the request in the sentence (where a neutralised piece is cut)


class RequestGrammar:
    def __init__(self, policy: Policy) -> None:
        lex = policy.data("phrases")["requests"]
        flags = re.I
        self.triggers = re.compile(lex["triggers"], flags)
        self.secret = re.compile(rf"(?:{lex['secrets']})", flags)
        self.code = re.compile(rf"(?:{lex['codes']})", flags)
        self.give = re.compile(rf"\b(?:{lex['give']})\b", flags)
        self.local_verb = re.compile(rf"^(?:{lex['local_verbs']})$", flags)
        self.passive = re.compile(
            rf"(?P<obj>{lex['secrets']}|{lex['codes']})[^;:.!?]{{0,50}}?\b(?:must|should|needs? to|has to|have to|is to|"
            rf"are to|shall|will need to|are required to|is required to)\s+be\s+(?P<verb>{lex['given']})\b", flags)
        self.elsewhere = re.compile(lex["elsewhere"], flags)
        self.ask = re.compile(lex["ask"], flags)
        self.bare_imperative = re.compile(lex["ask"].split("|(?:please|kindly)")[0], flags)
        self.reported = re.compile(lex["reported"], flags)
        self.move = re.compile(rf"\b(?P<verb>{lex['move']})\b(?P<gap>[^;:!?]{{0,60}}?)\b(?:to|into|in)\s+"
                               rf"(?:(?!(?:and|or|but)\b)[\w'&.-]+\s+){{0,4}}?\(?\s*"
                               rf"(?P<acct>{lex['scam_account']}|{lex['account']})", flags)
        self.scam_account = re.compile(lex["scam_account"], flags)
        self.money = re.compile(lex["money"], flags)
        self.whole = re.compile(r"\b(?:your|their|all|entire|whole|everything|all of it)\b", flags)
        self.negators = policy.regexes("phrases", "negators")[0]
        self.merchants = re.compile(lex["merchants"], flags)
        self.card_details = re.compile(lex["card_details"], flags)


@lru_cache(maxsize=8)
def grammar(policy: Policy) -> RequestGrammar:
    return RequestGrammar(policy)


def _clause_prefix_ok(prefix: str, g: RequestGrammar) -> bool:
    """Not negated and not reported speech or a warning (checked on the clause up to the verb)."""
    return not g.negators.search(prefix) and not g.reported.search(prefix)


def _secret_requests(clause: str, sentence: str, g: RequestGrammar, mode: str) -> Request | None:
    for verb in g.give.finditer(clause):
        prefix, rest = clause[:verb.start()], clause[verb.end():]
        obj = g.secret.search(rest[:70]) or g.code.search(rest[:70])
        if not obj or re.match(r"\s*(?:you|customers?|the customer|him|her|them)\b(?!r)", rest):
            continue                                   # "we'll send you a new PIN": the customer receives it
        if re.search(r"[.;:!?]", rest[:obj.start()]):
            continue
        if not g.ask.search(prefix) or not _clause_prefix_ok(prefix, g):
            continue
        bare = bool(g.bare_imperative.search(prefix))
        is_code = not g.secret.search(rest[:70])
        if is_code and re.search(r"\b(?:an?|new|another|fresh)\s+(?:[\w-]+\s+)?$", rest[:obj.start()]):
            continue                                   # "send a one-time code by SMS": the bank makes one, to the customer
        if g.merchants.search(rest[:obj.start()]) and g.card_details.search(obj.group(0)) and not \
                g.elsewhere.search(rest[obj.end():]):
            continue                                   # card details given to the merchant being paid
        local = bool(g.local_verb.match(verb.group(0)))
        # a bare imperative in data ("- tell us your password;" under a lead-in elsewhere) must send it out of the bank
        needs_destination = is_code or local or (mode == "data" and bare)
        if needs_destination and not g.elsewhere.search(rest) and not g.elsewhere.search(sentence[len(prefix):]):
            continue                                   # "type the 6-digit code here", "enter your PIN at the ATM"
        return Request("scam.credential_request", (verb.group(0) + rest)[:120], verb.start())
    m = g.passive.search(clause)
    if m and _clause_prefix_ok(clause[:m.start()], g):
        is_code = not g.secret.fullmatch(m.group("obj"))
        if not is_code or g.elsewhere.search(clause[m.end():]):
            return Request("scam.credential_request", m.group(0)[:120], m.start())
    return None


def _redirections(clause: str, g: RequestGrammar, known: frozenset[str] | None, mode: str) -> Request | None:
    for m in g.move.finditer(clause):
        prefix = clause[:m.start("verb")]
        if not _clause_prefix_ok(prefix, g):
            continue
        account = m.group("acct")
        scam = bool(g.scam_account.fullmatch(account.strip()) or g.scam_account.match(account))
        if mode == "answer":
            if not scam and _known(account, known or frozenset()):
                continue
        else:
            frame = g.ask.search(prefix) and not g.bare_imperative.search(prefix)
            whole = g.money.search(m.group("gap") or "") and g.whole.search(m.group("gap") or "") \
                and not re.search(r"[$€£]\s?\d|\d", m.group("gap") or "")
            if not (frame or (whole and g.bare_imperative.search(prefix))):
                continue                               # "- move money to a safe account" is a list of warnings
        return Request("scam.payment_redirection", m.group(0)[:120], m.start())
    return None


def _known(account: str, known: frozenset[str]) -> bool:
    placeholder = PLACEHOLDER.search(account)
    if placeholder:
        return placeholder.group(0) in known
    digits = "".join(DIGITS.findall(account))
    return bool(digits) and (digits[-4:] in known or digits in known)


def known_accounts(evidence: Evidence) -> frozenset[str]:
    """Numbers (whole and last four) and placeholders the conversation itself gave: the customer's own identifiers,
    their messages, and tool results (less any number a knowledge chunk holds: a chunk is not the customer)."""
    chunk_digits = {d for text in evidence.kb_chunks for d in DIGITS.findall(re.sub(r"[\s-]", "", text))}
    tool_texts = [r if isinstance(r, str) else json.dumps(r, default=str) for r in evidence.tool_results]
    out: set[str] = set()
    for text, trusted_always in [*((t, True) for t in [*evidence.own_identifiers, *evidence.customer_messages]),
                                 *((t, False) for t in tool_texts)]:
        out.update(PLACEHOLDER.findall(text))
        for raw in DIGITS.findall(re.sub(r"(?<=\d)[\s-](?=\d)", "", text)):
            if trusted_always or raw not in chunk_digits:
                out.update({raw, raw[-4:]})
    return frozenset(out)


def find_requests(text: str, policy: Policy, *, mode: str = "answer", known: frozenset[str] | None = None
                  ) -> list[Request]:
    """The requests in one sentence (at most one of each kind)."""
    g = grammar(policy)
    if not g.triggers.search(text):
        return []
    plain = LIST_MARK.sub("", text.replace("’", "'"))
    offset = len(text) - len(LIST_MARK.sub("", text))
    found: dict[str, Request] = {}
    for start, clause in clauses(plain):
        for request in (_secret_requests(clause, plain[start:], g, mode), _redirections(clause, g, known, mode)):
            if request and request.rule_id not in found:
                found[request.rule_id] = Request(request.rule_id, request.match, offset + start + request.start)
    return list(found.values())
