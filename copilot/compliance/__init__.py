"""Compliance on every turn: input guards, untrusted-text scanning, output filters, streaming release, PII vault, audit.

Policy lives in prompts/compliance (YAML); this package holds only mechanism. A turn in the agent loop:

1. `guard_input(message, vault=conversation_vault)`: blocked -> route `decision.route`, reply `decision.message`;
   else `decision.text` (PII as "[CARD_1]" placeholders) is what an LLM provider may see.
2. `scan_untrusted(text)` on every tool result, KB chunk and merchant name before it enters a prompt.
3. `filter_output(answer, Evidence(...))`, or `StreamingFilter(evidence)` feed/close while streaming; put the tool
   results and their arguments, cited chunk texts and the customer's messages in the Evidence.
4. `audit_decision(session, decision, ...)` for each decision; `decision.trace()` goes into the turn trace.
5. `vault.restore(text)` only for the customer's own view (masked forms unless `reveal=True`).
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
