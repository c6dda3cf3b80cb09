"""PiiVault: reversible placeholders ("[CARD_1]") for PII in customer messages, so raw identifiers never reach an LLM provider.

One vault per conversation: the same value always gets the same placeholder, so the model can still refer to
"[CARD_1]" consistently. `restore()` is for the customer's own view only and by default restores the masked
form (a card to its last four); `reveal=True` gives back the original, for echoing the customer's own message.
"""

from __future__ import annotations

import re
import threading

from copilot.compliance.masking import masked_form
from copilot.compliance.pii import detect_pii

LABELS = {"CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN", "US_SSN": "SSN", "US_BANK_NUMBER": "ACCOUNT",
          "ABA_ROUTING_NUMBER": "ROUTING", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL",
          "CARD_SECURITY_CODE": "CVV", "PERSON": "NAME", "STREET_ADDRESS": "ADDRESS", "US_ITIN": "ITIN",
          "ID_DOCUMENT": "ID", "DATE_OF_BIRTH": "DOB", "UK_NINO": "NINO", "CRYPTO": "WALLET", "IP_ADDRESS": "IP"}
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(LABELS.values()) + r")_\d+\]")


def _key(entity_type: str, value: str) -> tuple[str, str]:
    if entity_type == "EMAIL_ADDRESS":
        return entity_type, value.strip().lower()
    return entity_type, re.sub(r"[^0-9A-Za-z]", "", value).upper()


class PiiVault:
    """Placeholder <-> original value for one conversation (thread-safe)."""

    def __init__(self) -> None:
        self._token_of: dict[tuple[str, str], str] = {}
        self._entry: dict[str, tuple[str, str]] = {}          # token -> (type, original text)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entry)

    def _token(self, entity_type: str, value: str) -> str:
        key = _key(entity_type, value)
        with self._lock:
            if key not in self._token_of:
                label = LABELS.get(entity_type, "PII")
                count = sum(1 for t in self._entry if t.startswith(f"[{label}_")) + 1
                token = f"[{label}_{count}]"
                self._token_of[key], self._entry[token] = token, (entity_type, value)
            return self._token_of[key]

    def tokenize(self, text: str, entities: list[dict] | None = None) -> tuple[str, list[dict]]:
        """(text with placeholders, the entities replaced, offsets in the original text)."""
        entities = detect_pii(text, names=True) if entities is None else entities
        out, cursor = [], 0
        for entity in entities:
            out.append(text[cursor:entity["start"]])
            out.append(self._token(entity["type"], text[entity["start"]:entity["end"]]))
            cursor = entity["end"]
        out.append(text[cursor:])
        return "".join(out), entities

    def restore(self, text: str, *, own_identifiers: list[str] | None = None, reveal: bool = False) -> str:
        """Placeholders back to values for the customer's own view: masked forms unless `reveal`."""
        def back(match: re.Match) -> str:
            entry = self._entry.get(match.group(0))
            if entry is None:
                return match.group(0)
            entity_type, value = entry
            return value if reveal else masked_form(entity_type, value, own_identifiers or [value])

        return PLACEHOLDER.sub(back, text)
