"""PiiVault: reversible placeholders ("[CARD_1]") for PII in customer messages, so raw identifiers are never stored
and never reach a planner, a tool, a trace or an LLM provider.

One vault per conversation, kept encrypted in the `pii_vault` table (copilot.store.vault): the same value always
gets the same placeholder, across turns too. `restore()` is for the customer's own view and by default restores the
masked form (a card to its last four); `reveal=True` gives back the original, for echoing the customer's own
message; `strict=True` is a support agent's view (nothing counts as the viewer's own). `redact()` needs no vault:
it names only the kind of each value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

from sqlalchemy.exc import IntegrityError

from copilot.compliance.masking import masked_form, redacted_form
from copilot.compliance.pii import detect_pii
from copilot.compliance.types import Decision
from copilot.config import Settings
from copilot.store.vault import Entry, cipher_for, load_entries, save_entries

LABELS = {"CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN", "US_SSN": "SSN", "US_BANK_NUMBER": "ACCOUNT",
          "ABA_ROUTING_NUMBER": "ROUTING", "UK_SORT_CODE": "SORTCODE", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL",
          "CARD_SECURITY_CODE": "CVV", "PERSON": "NAME", "STREET_ADDRESS": "ADDRESS", "US_ITIN": "ITIN",
          "ID_DOCUMENT": "ID", "DATE_OF_BIRTH": "DOB", "UK_NINO": "NINO", "CRYPTO": "WALLET", "IP_ADDRESS": "IP"}
TYPE_OF = {label: entity_type for entity_type, label in LABELS.items()}
PLACEHOLDER = re.compile(r"\[(" + "|".join(LABELS.values()) + r")_\d+\]")
SAVE_ATTEMPTS = 3


def _key(entity_type: str, value: str) -> tuple[str, str]:
    if entity_type == "EMAIL_ADDRESS":
        return entity_type, value.strip().lower()
    return entity_type, re.sub(r"[^0-9A-Za-z]", "", value).upper()


def redact(text: str) -> str:
    """Every placeholder to a stand-in naming its kind only ("[CARD_1]" -> "[card number removed]")."""
    return PLACEHOLDER.sub(lambda m: redacted_form(TYPE_OF[m.group(1)]), text)


class PiiVault:
    """Placeholder <-> original value for one conversation (thread-safe); `entries` are the stored ones."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._token_of: dict[tuple[str, str], str] = {}
        self._entry: dict[str, tuple[str, str | None]] = {}   # token -> (type, original text; None once purged)
        self._new: list[Entry] = []
        self._lock = threading.Lock()
        for token, entity_type, value in entries:
            self._entry[token] = (entity_type, value)
            if value is not None:
                self._token_of[_key(entity_type, value)] = token

    def __len__(self) -> int:
        return len(self._entry)

    def new_entries(self) -> list[Entry]:
        """Placeholders made since the vault was loaded: what must be stored."""
        return list(self._new)

    def _token(self, entity_type: str, value: str) -> str:
        key = _key(entity_type, value)
        with self._lock:
            if key not in self._token_of:
                label = LABELS.get(entity_type, "PII")
                count = sum(1 for t in self._entry if t.startswith(f"[{label}_")) + 1
                token = f"[{label}_{count}]"
                self._token_of[key], self._entry[token] = token, (entity_type, value)
                self._new.append((token, entity_type, value))
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

    def restore(self, text: str, *, own_identifiers: list[str] | None = None, reveal: bool = False,
                strict: bool = False) -> str:
        """Placeholders back to values: masked forms unless `reveal`; `strict` treats no value as the viewer's own."""
        def back(match: re.Match) -> str:
            entry = self._entry.get(match.group(0))
            if entry is None:
                return match.group(0)
            entity_type, value = entry
            if value is None:
                return redacted_form(entity_type)
            if reveal and not strict:
                return value
            return masked_form(entity_type, value, [] if strict else own_identifiers or [value])

        return PLACEHOLDER.sub(back, text)


def open_vault(db, settings: Settings, conversation_id: str) -> PiiVault:
    """The conversation's vault as stored (values past the retention period are gone)."""
    with db.session() as session:
        return PiiVault(load_entries(session, cipher_for(settings), conversation_id, settings.now(),
                                     settings.pii_retention_days))


def tokenize_turn(db, settings: Settings, conversation_id: str, customer_id: str,
                  judge: Callable[[PiiVault], Decision]) -> tuple[Decision, str, PiiVault]:
    """Judge a customer message with the conversation's vault and store its new placeholders first: (decision, the
    message in placeholder form, which is all anything downstream may see or store, the vault). A message the
    limits stopped before tokenization is tokenized here; a placeholder a concurrent turn took is judged again."""
    attempt = 1
    while True:
        vault = open_vault(db, settings, conversation_id)
        decision = judge(vault)
        text = vault.tokenize(decision.text)[0] if decision.blocked and not decision.entities else decision.text
        if not vault.new_entries():
            return decision, text, vault
        try:
            with db.session() as session:
                save_entries(session, cipher_for(settings), conversation_id, customer_id, vault.new_entries(),
                             settings.now())
            return decision, text, vault
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS:
                raise
            attempt += 1
