"""Customer-controlled fields (goal names, dispute details, consent purposes, hand-off reasons) as untrusted data:
PII masked and instructions neutralised (scan_untrusted) before the text is stored, echoed or shown to a model."""

from __future__ import annotations

from functools import lru_cache

from copilot.compliance.input_guard import scan_untrusted
from copilot.compliance.masking import apply_masks
from copilot.compliance.pii import detect_pii


@lru_cache(maxsize=4096)
def untrusted(text: str) -> str:
    """The text with any instruction inside it neutralised (remembered: the same names recur on every read)."""
    return scan_untrusted(text).text if text and text.strip() else text


def customer_field(text: str, *, names: bool = True) -> str:
    """A free-text field a customer typed, as it may be kept: PII masked (nothing is anyone's own; person names and
    addresses too unless `names` is false), then scanned."""
    if not text:
        return text
    return untrusted(apply_masks(text, detect_pii(text, names=names), []))


