"""The investment-advice boundary as a small grammar over word classes (prompts/compliance/phrases.yaml `investment`):
personalised directives (a trade verb whose object or destination is a security or asset class, said as an
imperative or after a directive frame), endorsements of a specific security, and certainty claims about returns.

No phrase list of whole sentences: the classes (verbs, assets, frames, returns) combine, so "sell your bonds",
"putting everything into growth ETFs is a smart move" and "this fund will definitely double" are found by the same
rules as their paraphrases. Judged clause by clause; a negator earlier in the clause ("we can't recommend buying")
or a negated lead-in ending in ":" before a list cancels a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from copilot.compliance.policy import Policy
from copilot.compliance.types import RuleHit

CLAUSE = re.compile(r"[;:()\[\]]|,\s|\s[–—-]\s|\s-{2}\s")
LIST_MARK = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")
WORD = r"[\w$%&.,'’+-]+"


@dataclass(frozen=True)
class Finding:
    rule_id: str          # advice.personalised_investment | claims.guaranteed_returns
    kind: str             # directive | endorsement | certainty
    match: str


def _alt(items) -> str:
    return "|".join(f"(?:{i})" for i in items)


class AdviceGrammar:
    """The compiled word classes of one policy."""

    def __init__(self, policy: Policy) -> None:
        lex = policy.data("phrases")["investment"]
        not_after = _alt(lex["not_after_asset"])
        asset = rf"(?:{_alt(lex['assets'])})\b(?!\s+(?:{not_after})\b)"
        tickers = "|".join(lex["not_tickers"])
        ticker = rf"(?-i:\b(?!(?:{tickers})\b)[A-Z]{{2,5}}\b)"
        proper = r"(?-i:\b[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}\b)"
        # a name that ends the object ("sell Amazon and buy Microsoft"), not one that qualifies a noun ("Amazon gift card")
        proper_end = proper + (r"(?=\s*(?:$|[.,;!?)]|\s(?:and|or|now|today|instead|before|while|right|at|stock|shares|"
                               r"for|with|too|as)\b))")
        named_fund = (r"(?-i:(?:[A-Z][\w&.-]*\s+){1,5}(?:ETF|Fund|Index Fund|Trust|Portfolio)s?\b)")
        self.asset = re.compile(asset, re.I)
        self.triggers = re.compile(rf"{lex['triggers']}|{ticker}", re.I)
        det = (r"(?:(?:a|an|the|some|more|any|all|your|my|his|her|their|our|those|these|this|that|shares of|stock in|"
               r"stake in|position in|piece of|bit of|few|\d+%?|half|most|part) +){0,3}")
        # a few words may stand between the verb and an asset word ("sell half of your Apple shares"), none before a
        # bare name or ticker ("sell Amazon"; "first purchase at LuxWatch" is a noun and a place)
        self.trade = re.compile(
            rf"\b(?P<verb>{_alt(lex['trade'])})\b(?P<gap>(?:\s+(?!(?:at|from|on|by|with|to|for)\b){WORD}){{0,4}}?)"
            rf"\s+{det}(?P<obj>{asset})", re.I)
        self.trade_name = re.compile(rf"\b(?P<verb>{_alt(lex['trade'])})\b\s+{det}(?P<obj>{ticker}|{proper_end})", re.I)
        self.move = re.compile(
            rf"\b(?P<verb>{_alt(lex['move'])})\b(?P<gap>[^;:.!?]{{0,70}}?)\b(?:in|into|to|towards?|across|on)\s+"
            rf"{det}(?:(?:[\w&-]+[- ])?(?:high[- ]\w+|\w+-\w+)\s+)?(?P<obj>{asset}|{ticker}|{named_fund})", re.I)
        self.move_proper = re.compile(
            rf"\b(?P<verb>{_alt(lex['move'])})\b(?P<gap>[^;:.!?]{{0,70}}?)\b(?:in|into)\s+(?P<obj>{proper_end})", re.I)
        self.bank_words = frozenset(w.lower() for w in lex["bank_words"])
        self.choose = re.compile(rf"\b(?P<verb>{_alt(lex['choose'])})\b\s+{det}(?P<obj>{named_fund}|{asset})", re.I)
        self.imperative_prefix = re.compile(rf"^\W*(?:(?:{lex['fillers']})\b\W*)*$", re.I)
        self.frame_before = re.compile(rf"(?:{_alt(lex['directive'])})\s*$", re.I)
        self.frame_anywhere = re.compile(rf"(?:^|\b)(?:{_alt(lex['directive'])})\s+\w", re.I)
        self.coordinated = re.compile(r"^(?P<head>.*\S)\s+(?:and|then|or|and then|and just)\s+$", re.I | re.S)
        verbs = f"{lex['imperatives']}|{_alt(lex['trade'])}|{_alt(lex['move'])}"
        self.opens_imperative = re.compile(rf"^\W*(?:(?:{lex['fillers']})\b\W*)*(?:{verbs})\b", re.I)
        self.endorse = re.compile(lex["endorse"], re.I)
        self.for_you = re.compile(lex["for_you"], re.I)
        self.ratings = re.compile(lex["ratings"], re.I)
        holding = lex["holdings"]
        subject = rf"(?P<subj>{holding}|{asset}|{named_fund}|{ticker}(?=\s+(?:stock|shares|is|are|will)\b))"
        self.endorsed = re.compile(
            rf"{subject}(?:\s+(?!is\b|are\b)[\w&.'-]+){{0,3}}?\s+(?P<judge>{lex['endorse']})", re.I)
        self.proper_endorsed = re.compile(rf"^\W*(?P<subj>{proper})\s+(?P<judge>{lex['endorse']})")
        certainty = _alt(lex["certainty"])
        returns = _alt(lex["returns"])
        self.certain = re.compile(
            rf"{subject}(?:\s+(?:of|in)\s+{proper})?[^,;:.!?]{{0,40}}?\s(?P<will>{certainty})"
            rf"(?:\s+\w+){{0,2}}?\s+(?P<ret>{returns})", re.I)
        self.you_will_make = re.compile(
            r"\byou(?:'ll|’ll| will| are going to|'re going to)(?: \w+)? (?:make|earn|get|see|double|triple|gain)\b"
            r"[^,;:.!?]{0,30}\b(?:returns?|profits?|gains|money|a fortune|rich|\d+ ?%|your money back)", re.I)
        self.investment_nouns = re.compile(
            r"\b(?:buy|sell|hold|investment|pick|bet|play|stock|fund|etf|asset|holding|purchase)\b", re.I)


@lru_cache(maxsize=8)
def grammar(policy: Policy) -> AdviceGrammar:
    return AdviceGrammar(policy)


def clauses(text: str) -> list[tuple[int, str]]:
    """(offset, clause) pieces of a sentence, cut at ; : ( ) ", " and dashes."""
    out, start = [], 0
    for m in CLAUSE.finditer(text):
        out.append((start, text[start:m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o, c) for o, c in out if c.strip()]


def negated_lead_in(text: str, policy: Policy) -> bool:
    """A negated lead-in ending in ":" ("We will never ask you to:"): the list after it inherits the negation."""
    stripped = text.rstrip()
    return stripped.endswith(":") and bool(policy.regexes("phrases", "negated_lead_in")[0].search(stripped))


def is_list_item(text: str) -> bool:
    return bool(LIST_MARK.match(text))


def _negated(clause: str, start: int, policy: Policy) -> bool:
    from copilot.compliance.phrases import negated

    return negated(clause, start, policy)


def findings(text: str, policy: Policy, known: frozenset[str] = frozenset()) -> list[Finding]:
    """What in one sentence crosses the advice boundary (empty for ordinary banking text). `known`: lower-cased
    names of the customer's own accounts, goals and payees (a capitalised destination naming one is not a holding)."""
    g = grammar(policy)
    if not g.triggers.search(text):
        return []
    plain = LIST_MARK.sub("", text.replace("’", "'"))
    found: list[Finding] = []
    for _, clause in clauses(plain):
        found += _directives(clause, g, policy, known)
        found += _endorsements(clause, plain, g, policy)
        found += _certainty(clause, g, policy)
    return found


def _directive_frame(clause: str, m: re.Match, g: AdviceGrammar) -> bool:
    """Whether the trade verb of `m` is said to the customer as something to do."""
    prefix = clause[:m.start("verb")]
    if g.frame_before.search(prefix):
        return True
    joined = g.coordinated.match(prefix)
    if joined and (g.frame_anywhere.search(joined.group("head")) or g.opens_imperative.match(joined.group("head"))):
        return True                 # "you should take that bonus and put it into stocks", "sell X and buy Y"
    if not g.imperative_prefix.match(prefix):
        return False
    if m.group("verb").lower().split()[0].endswith("ing"):
        # a clause-initial gerund is a subject: a directive only when judged good ("Buying X ... is a smart move")
        return bool(g.endorse.search(clause[m.end():]))
    return True


def _directives(clause: str, g: AdviceGrammar, policy: Policy, known: frozenset[str]) -> list[Finding]:
    for regex in (g.trade, g.trade_name, g.move, g.choose, g.move_proper):
        for m in regex.finditer(clause):
            if regex is g.move_proper and {w.lower() for w in re.findall(r"[\w-]+", m.group("obj"))} & (
                    g.bank_words | known):
                continue
            if _negated(clause, m.start("verb"), policy):
                continue
            if _directive_frame(clause, m, g):
                return [Finding("advice.personalised_investment", "directive", m.group(0))]
    return []


def _endorsements(clause: str, sentence: str, g: AdviceGrammar, policy: Policy) -> list[Finding]:
    """A security (or a holding) judged good for the customer, or given a rating ("a strong buy")."""
    m = g.endorsed.search(clause)
    if m and not _negated(clause, m.start("judge"), policy):
        judge = m.group("judge")
        if g.ratings.search(judge) or g.for_you.search(sentence) or g.investment_nouns.search(judge):
            return [Finding("advice.personalised_investment", "endorsement", m.group(0))]
    p = g.proper_endorsed.search(clause)
    if p and not _negated(clause, p.start("judge"), policy) and (g.ratings.search(p.group("judge"))
                                                                 or g.investment_nouns.search(p.group("judge"))):
        return [Finding("advice.personalised_investment", "endorsement", p.group(0))]
    return []


def _certainty(clause: str, g: AdviceGrammar, policy: Policy) -> list[Finding]:
    m = g.certain.search(clause)
    if m and not _negated(clause, m.start("subj"), policy) and not _negated(clause, m.start("will"), policy):
        return [Finding("claims.guaranteed_returns", "certainty", m.group(0))]
    y = g.you_will_make.search(clause)
    if y and g.asset.search(clause) and not _negated(clause, y.start(), policy):
        return [Finding("claims.guaranteed_returns", "certainty", y.group(0))]
    return []


def known_names(texts) -> frozenset[str]:
    """Lower-cased capitalised words of the evidence (account, goal and payee names)."""
    return frozenset(w.lower() for text in texts for w in re.findall(r"(?-i:\b[A-Z][\w-]+)", text))


def advice_hits(text: str, policy: Policy, *, negated_context: bool = False, known: frozenset[str] = frozenset()
                ) -> tuple[list[RuleHit], list[RuleHit]]:
    """(advice hits: the sentence is replaced by the adviser note, claim hits: the answer stops)."""
    if negated_context:
        return [], []
    advice, claims, seen = [], [], set()
    for f in findings(text, policy, known):
        if f.rule_id in seen:
            continue
        seen.add(f.rule_id)
        hit = policy.hit(f.rule_id, f"{f.kind}: {f.match[:120]!r}")
        (claims if f.rule_id.startswith("claims.") else advice).append(hit)
    return advice, claims
