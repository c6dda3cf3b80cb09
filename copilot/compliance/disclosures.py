"""Required disclosures: rates and fees with their effective date and source; projections marked as estimates."""

from __future__ import annotations

from copilot.compliance.phrases import has
from copilot.compliance.policy import Policy
from copilot.compliance.types import Evidence, RuleHit


def disclosure_notes(answer: str, evidence: Evidence, policy: Policy) -> tuple[list[str], list[RuleHit]]:
    """Notes to append to `answer` (already released text included) and the rules that asked for them."""
    notes, hits = [], []
    templates = policy.data("phrases")["notes"]
    rates = evidence.has_rates if evidence.has_rates is not None else has(answer, policy, "rates_and_fees")
    if rates and not has(answer, policy, "has_rate_source"):
        source = evidence.rate_source or ", ".join(evidence.citations)
        if source and evidence.rate_effective_date:
            notes.append(templates["rates_source"].format(effective=evidence.rate_effective_date, source=source))
        else:
            notes.append(templates["rates_source_unknown"])
        hits.append(policy.hit("disclosure.rates_source", "rate or fee without effective date and source"))
    projection = evidence.has_projection if evidence.has_projection is not None else has(answer, policy, "projections")
    if projection and not has(answer, policy, "has_estimate"):
        notes.append(templates["estimate"])
        hits.append(policy.hit("disclosure.estimate", "projection without an estimate note"))
    return notes, hits
