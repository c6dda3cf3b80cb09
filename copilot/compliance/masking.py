"""How each PII type is shown when it must not appear in full: cards and accounts to their last four, the rest withheld.

The customer's own email and phone number (Evidence.own_identifiers) may appear, but only in masked form.
"""

from __future__ import annotations

import re

DIGITS = re.compile(r"\d")
# Types never shown in any part: a fixed replacement (an unlisted type becomes "[removed]").
WITHHELD = {"US_SSN": "***-**-****", "CARD_SECURITY_CODE": "***", "UK_SORT_CODE": "**-**-**", "PERSON": "[name removed]",
            "STREET_ADDRESS": "[address removed]", "DATE_OF_BIRTH": "[date of birth removed]",
            "ID_DOCUMENT": "[ID number removed]", "UK_NINO": "[ID number removed]", "US_ITIN": "[ID number removed]"}
# What a value is called once it is gone (a purged vault value, a hand-off reason an agent may not read in full).
REDACTED = {"CREDIT_CARD": "card number", "IBAN_CODE": "IBAN", "US_SSN": "SSN", "US_BANK_NUMBER": "account number",
            "ABA_ROUTING_NUMBER": "routing number", "UK_SORT_CODE": "sort code", "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email",
            "CARD_SECURITY_CODE": "security code", "PERSON": "name", "STREET_ADDRESS": "address", "CRYPTO": "wallet",
            "DATE_OF_BIRTH": "date of birth", "IP_ADDRESS": "IP address"}


def redacted_form(entity_type: str) -> str:
    """A value's stand-in that tells only its kind: "[card number removed]"."""
    return f"[{REDACTED.get(entity_type, 'ID number')} removed]"


def _digits(value: str) -> str:
    return "".join(DIGITS.findall(value))


def _masked_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def is_own(entity_type: str, value: str, own_identifiers: list[str]) -> bool:
    """Whether an email or phone number is one of the customer's own."""
    if entity_type == "EMAIL_ADDRESS":
        return value.lower() in {o.strip().lower() for o in own_identifiers}
    if entity_type == "PHONE_NUMBER":
        digits = _digits(value)[-10:]
        return len(digits) >= 7 and digits in {_digits(o)[-10:] for o in own_identifiers}
    return False


def masked_form(entity_type: str, value: str, own_identifiers: list[str]) -> str:
    """The text that replaces a detected value in anything shown to anyone."""
    last4 = _digits(value)[-4:]
    if entity_type == "CREDIT_CARD":
        return f"**** {last4}"
    if entity_type in ("US_BANK_NUMBER", "ABA_ROUTING_NUMBER"):
        return f"****{last4}"
    if entity_type == "IBAN_CODE":
        compact = value.replace(" ", "")
        return f"{compact[:2]}** **** {compact[-4:]}"
    if entity_type == "EMAIL_ADDRESS":
        return _masked_email(value) if is_own(entity_type, value, own_identifiers) else "[email removed]"
    if entity_type == "PHONE_NUMBER":
        return f"***-***-{last4}" if is_own(entity_type, value, own_identifiers) else "[phone removed]"
    return WITHHELD.get(entity_type, "[removed]")


def apply_masks(text: str, entities: list[dict], own_identifiers: list[str]) -> str:
    """Replace every entity span (offsets into `text`) by its masked form."""
    out, cursor = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        out.append(text[cursor:entity["start"]])
        out.append(masked_form(entity["type"], text[entity["start"]:entity["end"]], own_identifiers))
        cursor = entity["end"]
    out.append(text[cursor:])
    return "".join(out)
