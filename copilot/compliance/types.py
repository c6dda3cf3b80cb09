"""The values compliance hands the agent loop: rule hits, decisions (allow/rewrite/block) and the evidence a filter grounds on."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from copilot.audit import digest

Verdict = Literal["allow", "rewrite", "block"]
Action = Literal["allow", "rewrite", "block", "escalate"]
CONVERSATION_FLAGS = frozenset({"complaint", "hardship", "fraud"})


@dataclass(frozen=True)
class RuleHit:
    """One policy rule that fired: its id, the policy's action and severity, and a short reason."""

    rule_id: str
    action: Action
    severity: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def verdict_of(hits: list[RuleHit]) -> Verdict:
    """block if any hit blocks or escalates; rewrite if any rewrites; else allow (allow-hits only monitor)."""
    actions = {hit.action for hit in hits}
    if actions & {"block", "escalate"}:
        return "block"
    return "rewrite" if "rewrite" in actions else "allow"


@dataclass
class Decision:
    """The outcome of a guard or filter; `text` is what may travel on, `message` what a blocked customer sees."""

    verdict: Verdict
    rules: list[RuleHit]
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    before_digest: str = ""
    after_digest: str = ""
    direction: str = "input"

    @classmethod
    def from_hits(cls, original: str, text: str, hits: list[RuleHit], *, entities: list[dict] | None = None,
                  message: str = "", direction: str = "input") -> Decision:
        verdict = verdict_of(hits)
        return cls(verdict=verdict, rules=hits, text=text, entities=entities or [],
                   message=message if verdict == "block" else "", before_digest=digest(original),
                   after_digest=digest(text), direction=direction)

    @property
    def blocked(self) -> bool:
        return self.verdict == "block"

    @property
    def escalate(self) -> bool:
        """A rule asked for human review: the loop should hand the conversation off."""
        return any(hit.action == "escalate" for hit in self.rules)

    @property
    def route(self) -> str | None:
        """The turn route a stopping decision implies (DESIGN.md §4.3): handoff when escalated, else blocked."""
        if not self.blocked:
            return None
        return "handoff" if self.escalate else "blocked"

    @property
    def rule_ids(self) -> list[str]:
        return [hit.rule_id for hit in self.rules]

    def trace(self) -> dict[str, Any]:
        """What the turn trace and the audit log keep: ids, actions, digests; never the text itself."""
        return {"direction": self.direction, "verdict": self.verdict, "rules": [h.to_dict() for h in self.rules],
                "escalate": self.escalate, "entities": [e["type"] for e in self.entities],
                "before_digest": self.before_digest, "after_digest": self.after_digest}

    def to_json(self, record_id: Any = None) -> dict[str, Any]:
        """The batch checker's line (DESIGN.md §4.4), with the blocked message when there is one."""
        line = {"id": record_id, "verdict": self.verdict, "rules": self.rule_ids, "text": self.text,
                "entities": [{"type": e["type"], "start": e["start"], "end": e["end"]} for e in self.entities]}
        if self.message:
            line["message"] = self.message
        return line


@dataclass
class Evidence:
    """What an answer may rest on, and the conversation facts the output filters need."""

    tool_results: list[Any] = field(default_factory=list)      # tool result dicts or their JSON text
    kb_chunks: list[str] = field(default_factory=list)          # texts of the cited knowledge-base chunks
    customer_messages: list[str] = field(default_factory=list)  # the customer's own words in this conversation
    own_identifiers: list[str] = field(default_factory=list)    # own email/phone, card/account last fours
    citations: list[str] = field(default_factory=list)          # citation handles present ("doc-id#section")
    flags: set[str] = field(default_factory=set)                # complaint | hardship | fraud
    marketing_consent: bool = False                             # the customer granted marketing:offers
    recent_offers: int = 0                                      # offers shown in the frequency-cap window
    has_projection: bool | None = None                          # None: detect from the text
    has_rates: bool | None = None                               # None: detect from the text
    rate_source: str = ""                                       # "Fee schedule (fees-cards#rates)"
    rate_effective_date: str = ""                               # "2026-01-01"

    def __post_init__(self) -> None:
        unknown = set(self.flags) - CONVERSATION_FLAGS
        if unknown:
            raise ValueError(f"unknown conversation flag(s) {sorted(unknown)}; use {sorted(CONVERSATION_FLAGS)}")
        self.flags = set(self.flags)

    def grounding_texts(self) -> list[str]:
        """Every text a number in the answer may come from."""
        tools = [r if isinstance(r, str) else json.dumps(r, default=str) for r in self.tool_results]
        disclosed = [self.rate_source, self.rate_effective_date]
        return tools + list(self.kb_chunks) + list(self.customer_messages) + list(self.own_identifiers) + disclosed

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
