"""Compliance on every turn: input guards, untrusted-text scanning, output filters, streaming release, PII vault, audit.

Policy lives in prompts/compliance (YAML); this package holds only mechanism. The agent loop calls:
guard_input -> (PiiVault) -> scan_untrusted on tool/KB text -> filter_output or StreamingFilter -> audit_decision.
"""

from copilot.compliance.audit import audit_decision
from copilot.compliance.classifier import configure_classifier, set_classifier
from copilot.compliance.input_guard import guard_input, guard_inputs, scan_untrusted
from copilot.compliance.output_filter import filter_output
from copilot.compliance.policy import Policy, PolicyError, get_policy, load_policy
from copilot.compliance.streaming import StreamingFilter
from copilot.compliance.types import Decision, Evidence, RuleHit
from copilot.compliance.vault import PiiVault

__all__ = ["Decision", "Evidence", "PiiVault", "Policy", "PolicyError", "RuleHit", "StreamingFilter",
           "audit_decision", "configure_classifier", "filter_output", "get_policy", "guard_input", "guard_inputs",
           "load_policy", "scan_untrusted", "set_classifier"]
