"""Phrase-list checks from prompts/compliance/phrases.yaml: claims, advice, fairness, offers, policy statements."""

from __future__ import annotations

import re

from copilot.compliance.policy import Policy
from copilot.compliance.types import RuleHit

CLAUSE_BREAK = re.compile(r"[,;:()]|\b(but|however|although|though|yet)\b", re.IGNORECASE)


def negated(text: str, start: int, policy: Policy) -> bool:
    """A negator in the same clause, up to 40 characters before the phrase ("no investment is risk-free")."""
    window = text[max(0, start - 40):start]
    clause = CLAUSE_BREAK.split(window)[-1] if CLAUSE_BREAK.search(window) else window
    return bool(policy.regexes("phrases", "negators")[0].search(clause or ""))


def rule_hits(text: str, policy: Policy, section: str) -> list[RuleHit]:
    """One hit per rule whose phrases occur un-negated in `text` (section: claims | advice)."""
    hits = []
    for rule_id, phrases in policy.data("phrases")[section].items():
        for regex in policy.regexes_for(phrases):
            match = next((m for m in regex.finditer(text) if not negated(text, m.start(), policy)), None)
            if match:
                hits.append(policy.hit(rule_id, f"{match.group(0)!r}"))
                break
    return hits


def first_match(text: str, policy: Policy, key: str) -> str | None:
    """The first phrase of list `key` (fairness, offers, policy_statements) found in `text`, if any."""
    for regex in policy.regexes("phrases", key):
        match = regex.search(text)
        if match:
            return match.group(0)
    return None


def has(text: str, policy: Policy, key: str) -> bool:
    """Whether the single regex `key` (rates_and_fees, projections, ...) matches."""
    return bool(policy.regexes("phrases", key)[0].search(text))
