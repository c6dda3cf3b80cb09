"""Size and encoding limits of a customer message: length, undecodable bytes, hidden characters, control characters."""

from __future__ import annotations

import re

from copilot.compliance.policy import Policy
from copilot.compliance.types import RuleHit

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SURROGATE = re.compile("[\ud800-\udfff]")               # bytes that were not UTF-8 (decoded with surrogateescape)
HIDING = re.compile("[\U000e0000-\U000e007f\u202d\u202e]")   # Unicode tags (ASCII smuggling), LRO/RLO overrides


def check_limits(text: str, policy: Policy, max_chars: int) -> tuple[str, list[RuleHit], bool]:
    """(text without control characters, hits, stop): stop means the message must not be read further."""
    hits: list[RuleHit] = []
    if len(text) > max_chars:
        hits.append(policy.hit("input.size", f"{len(text)} characters, limit {max_chars}"))
    if SURROGATE.search(text) or text.count("\ufffd") >= 3:
        hits.append(policy.hit("input.encoding", "text is not valid UTF-8"))
    if HIDING.search(text):
        hits.append(policy.hit("input.hidden_text", "invisible tag or direction-override characters"))
    if hits:
        return text, hits, True
    cleaned = CONTROL.sub("", text)
    if cleaned != text:
        hits.append(policy.hit("input.control_chars", f"{len(text) - len(cleaned)} control characters removed"))
    return cleaned, hits, False


def strip_controls(text: str) -> str:
    return CONTROL.sub("", text)
