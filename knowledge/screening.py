"""Knowledge chunks (title, section and text) are scanned for injected instructions once, at ingest, not on every
turn that retrieves them.

A chunk's metadata records the fingerprint of the compliance policy it was screened under, prefixed "flagged:" when
the scan found instructions (such a chunk is scanned again on every use, and neutralised there); a hit counts as screened only while that policy is the current one, so after a policy change chunks go back to the
per-turn scan of tool results (copilot.agent.toolkit) until the next ingest screens them again.
"""

from __future__ import annotations

from collections.abc import Mapping

from copilot.compliance import scan_untrusted
from copilot.compliance.policy import get_policy


FLAGGED = "flagged:"


def verdict(text: str) -> str:
    """The current policy's fingerprint, prefixed FLAGGED when the scan found instructions in the text."""
    policy = get_policy()
    clean = scan_untrusted(text, policy=policy).verdict == "allow"
    return policy.fingerprint if clean else FLAGGED + policy.fingerprint


def current(meta: Mapping) -> bool:
    """Whether a stored chunk's verdict was reached under the policy in force now."""
    return str(meta.get("screened", "")).removeprefix(FLAGGED) == get_policy().fingerprint


def screened(meta: Mapping) -> bool:
    """Whether a stored chunk was found clean under the policy in force now."""
    return meta.get("screened") == get_policy().fingerprint
