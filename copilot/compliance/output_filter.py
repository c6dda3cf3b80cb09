"""Output filters, sentence by sentence: PII masking, prohibited claims (certainty about returns included: advice.py),
requests the bank never makes (credentials, money to an unknown account: requests.py), fairness, advice boundary,
groundedness, citations, marketing; then required disclosures on the whole answer. `filter_output` judges a finished answer;
StreamingFilter (streaming.py) drives the same AnswerFilter piece by piece.

Without evidence (the batch checker) only the checks that need none run; groundedness, citations, marketing
and disclosures are then not applicable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.compliance.advice import advice_hits, is_list_item, known_names, negated_lead_in
from copilot.compliance.disclosures import disclosure_notes
from copilot.compliance.grounding import Grounding
from copilot.compliance.masking import apply_masks
from copilot.compliance.phrases import first_match, rule_hits
from copilot.compliance.pii import detect_pii
from copilot.compliance.policy import Policy, get_policy
from copilot.compliance.requests import find_requests, known_accounts
from copilot.compliance.sentences import spans_around
from copilot.compliance.types import Decision, Evidence, RuleHit

INLINE_CITATION = re.compile(r"\[[\w.-]+#[\w.-]+\]")


@dataclass
class Piece:
    """One judged sentence: its masked text, and what may be released ("" = dropped, None = the answer stops)."""

    masked: str
    release: str | None


class AnswerFilter:
    """State of one answer under judgement: hits so far, entities (original offsets), whether it stopped."""

    def __init__(self, evidence: Evidence | None, policy: Policy | None = None) -> None:
        self.policy = policy or get_policy()
        self.evidence = evidence
        self.own = evidence.own_identifiers if evidence else []
        self.grounding = Grounding(evidence) if evidence else None
        self.hits: list[RuleHit] = []
        self.entities: list[dict] = []
        self.stopped = False
        self._advice = False
        self._lead_negated = False          # the last lead-in ("We will never ask you to:") negates the list after it
        self.known = known_names(evidence.grounding_texts()) if evidence else frozenset()
        self.accounts = known_accounts(evidence) if evidence else frozenset()

    def _add(self, hits: list[RuleHit]) -> None:
        seen = {h.rule_id for h in self.hits}
        self.hits += [h for h in hits if h.rule_id not in seen]

    def _stops(self, masked: str, certainty: list[RuleHit], context: bool) -> list[RuleHit]:
        policy, hits = self.policy, rule_hits(masked, self.policy, "claims")
        hits += [h for h in certainty if h.rule_id not in {x.rule_id for x in hits}]
        if not context:
            mode = "answer" if self.evidence is not None else "data"      # without evidence no account is known
            hits += [policy.hit(r.rule_id, repr(r.match))
                     for r in find_requests(masked, policy, mode=mode, known=self.accounts)]
        bias = first_match(masked, policy, "fairness")
        if bias:
            hits.append(policy.hit("fairness.protected_attribute", repr(bias)))
        if self.evidence is not None:
            missing = self.grounding.untraceable(masked)
            if missing:
                hits.append(policy.hit("ground.untraceable_number", "untraceable: " + ", ".join(missing[:6])))
            statement = first_match(masked, policy, "policy_statements")
            if statement and not self.evidence.citations and not _cites(masked):
                hits.append(policy.hit("citation.required", f"uncited statement {statement!r}"))
        return hits

    def _offer_hit(self, masked: str) -> RuleHit | None:
        evidence = self.evidence
        if evidence is None or not first_match(masked, self.policy, "offers"):
            return None
        if evidence.flags:
            return self.policy.hit("marketing.sensitive_conversation", ", ".join(sorted(evidence.flags)))
        if not evidence.marketing_consent:
            return self.policy.hit("marketing.no_consent", "no marketing:offers consent")
        if evidence.recent_offers >= int(self.policy.threshold("marketing_frequency_cap")):
            return self.policy.hit("marketing.frequency_cap", f"{evidence.recent_offers} recent offers")
        return None

    def piece(self, text: str, start: int, entities: list[dict] | None = None) -> Piece:
        """Judge one sentence starting at `start` in the answer; entities are offsets within `text`."""
        entities = detect_pii(text, self.policy.threshold("pii_min_score"), names=True,
                                         public=self.policy.public_identifiers) if entities is None else entities
        masked = apply_masks(text, entities, self.own)
        if entities:
            self.entities += [{"type": e["type"], "start": e["start"] + start, "end": e["end"] + start} for e in entities]
            self._add([self.policy.hit("pii.mask", ", ".join(sorted({e["type"] for e in entities})))])
        context = self._lead_negated and is_list_item(text)
        if not is_list_item(text):
            self._lead_negated = negated_lead_in(text, self.policy)
        investment, certainty = advice_hits(masked, self.policy, negated_context=context, known=self.known)
        stops = self._stops(masked, certainty, context)
        if stops or self.stopped:
            self._add(stops)
            self.stopped = True
            return Piece(masked, None)
        advice = rule_hits(masked, self.policy, "advice")
        advice += [h for h in investment if h.rule_id not in {a.rule_id for a in advice}]
        offer = self._offer_hit(masked)
        if advice or offer:
            self._advice = self._advice or bool(advice)
            self._add(advice + ([offer] if offer else []))
            return Piece(masked, "")
        return Piece(masked, masked)

    def closing(self, answer: str) -> str:
        """What to append once the answer is complete: the advice-boundary note, then required disclosures."""
        notes = [self.policy.rules["advice.personalised_investment"].message.strip()] if self._advice else []
        if self.evidence is not None and not self.stopped:
            extra, hits = disclosure_notes(answer, self.evidence, self.policy)
            notes += extra
            self._add(hits)
        return " ".join(notes)

    def decision(self, original: str, text: str) -> Decision:
        return Decision.from_hits(original, text, self.hits, entities=self.entities,
                                  message=self.policy.message_for(self.hits), direction="output")


def _cites(text: str) -> bool:
    return bool(INLINE_CITATION.search(text))


def filter_output(text: str, evidence: Evidence | None = None, *, policy: Policy | None = None) -> Decision:
    """Judge a finished answer; `text` of the decision is what may be shown (masked even when blocked)."""
    answer = AnswerFilter(evidence, policy)
    entities = detect_pii(text, answer.policy.threshold("pii_min_score"), names=True,
                          public=answer.policy.public_identifiers)
    masked, released = [], []
    for start, end in spans_around(text, entities):
        inside = [{**e, "start": e["start"] - start, "end": min(e["end"], end) - start}
                  for e in entities if start <= e["start"] < end]
        piece = answer.piece(text[start:end], start, inside)
        masked.append(piece.masked)
        released.append(piece.release or "")
    body = "".join(released).strip()
    closing = answer.closing(body)
    final = "".join(masked) if answer.stopped else " ".join(p for p in (body, closing) if p)
    return answer.decision(text, final)
