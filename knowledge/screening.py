"""Knowledge chunks (title, section and text) are scanned for injected instructions once, at ingest, not on every
turn that retrieves them.

A chunk's metadata records the fingerprint of the compliance policy it was scanned under (`screened_under`) and
whether that scan found instructions (`flagged`). A hit counts as screened only when it was found clean under the
policy in force now: a flagged chunk, or one scanned under another policy, goes through the per-turn scan of tool
results (copilot.agent.toolkit), which neutralises it, until the next ingest scans it again.
"""

from __future__ import annotations

from collections.abc import Mapping

from copilot.compliance import scan_untrusted
from copilot.compliance.policy import get_policy


def verdict(text: str) -> dict[str, str | bool]:
    """The metadata fields that record this text's scan under the current policy."""
    policy = get_policy()
    return {"screened_under": policy.fingerprint, "flagged": scan_untrusted(text, policy=policy).verdict != "allow"}


def current(meta: Mapping) -> bool:
    """Whether a stored chunk's scan was made under the policy in force now."""
    return meta.get("screened_under") == get_policy().fingerprint


def screened(meta: Mapping) -> bool:
    """Whether a stored chunk was found clean under the policy in force now."""
    return current(meta) and meta.get("flagged") is False
