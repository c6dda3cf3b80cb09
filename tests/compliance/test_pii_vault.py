"""The PII vault at rest: one placeholder per value across turns, Fernet ciphertext only, retention purge that keeps
numbering, the key from settings (production refuses to start without one), the demo key file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from copilot.compliance import guard_input
from copilot.compliance.vault import PiiVault, open_vault, redact, tokenize_turn
from copilot.config import ConfigError, load_settings
from copilot.store.models import VaultEntry
from copilot.store.vault import purge_expired

CARD = "4539 1488 0343 6467"


def turn(runtime, text: str, conversation: str = "conv-v", settings=None):
    settings = settings or runtime.settings
    return tokenize_turn(runtime.db, settings, conversation, "demo-debt", lambda v: guard_input(text, vault=v))


def test_the_same_value_keeps_its_placeholder_across_turns_and_only_ciphertext_is_stored(runtime):
    first = turn(runtime, f"card {CARD} and ssn 512-44-7789")
    second = turn(runtime, f"again {CARD.replace(' ', '-')}, and 4111 1111 1111 1111")
    assert first[1] == "card [CARD_1] and ssn [SSN_1]" and second[1] == "again [CARD_1], and [CARD_2]"
    assert first[0].after_digest != first[0].before_digest
    with runtime.db.session() as session:
        rows = session.scalars(select(VaultEntry).order_by(VaultEntry.id)).all()
    assert [r.token for r in rows] == ["[CARD_1]", "[SSN_1]", "[CARD_2]"]
    assert all("4539" not in r.ciphertext and r.ciphertext.startswith("gAAAAA") for r in rows), "Fernet tokens"
    vault = open_vault(runtime.db, runtime.settings, "conv-v")
    assert vault.restore("[CARD_1] [SSN_1]") == "**** 6467 ***-**-****"
    assert vault.restore("[CARD_1]", reveal=True) == CARD and vault.restore("[CARD_1]", reveal=True, strict=True) == "**** 6467"
    assert redact("[CARD_1] and [EMAIL_2]") == "[card number removed] and [email removed]"


def test_retention_purges_values_but_keeps_their_numbers(runtime):
    turn(runtime, f"my card {CARD}")
    later = load_settings(**{**runtime.settings.model_dump(),
                             "clock": (runtime.settings.now() + timedelta(days=31)).isoformat()})
    assert open_vault(runtime.db, later, "conv-v").restore("[CARD_1]") == "[card number removed]", "past retention"
    with runtime.db.session() as session:
        assert purge_expired(session, later.now(), later.pii_retention_days) == 1
    with runtime.db.session() as session:
        row = session.scalar(select(VaultEntry))
        assert row.ciphertext is None and row.purged_at is not None
    assert turn(runtime, f"card {CARD}", settings=later)[1] == "card [CARD_2]", "a purged placeholder is never reused"


def test_a_key_from_settings_and_a_demo_key_file_readable_by_its_owner_only(runtime, tmp_path):
    with pytest.raises(ConfigError, match="COPILOT_VAULT_KEY is not set.*Fernet.generate_key"):
        load_settings(**{**runtime.settings.model_dump(), "demo_mode": False})
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_settings(**{**runtime.settings.model_dump(), "vault_key": "not-a-key"})
    turn(runtime, f"card {CARD}")
    assert (runtime.settings.data_dir / "vault.key").stat().st_mode & 0o777 == 0o600
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keyed = load_settings(**{**runtime.settings.model_dump(), "demo_mode": False, "vault_key": old})
    turn(runtime, f"card {CARD}", "conv-k", keyed)
    rotated = load_settings(**{**keyed.model_dump(), "vault_key": f"{new},{old}"})
    assert open_vault(runtime.db, rotated, "conv-k").restore("[CARD_1]", reveal=True) == CARD, "old keys still read"
    other = load_settings(**{**keyed.model_dump(), "vault_key": new})
    assert open_vault(runtime.db, other, "conv-k").restore("[CARD_1]") == "[card number removed]", "no key, no value"


def test_a_vault_without_entries_leaves_unknown_placeholders_alone():
    assert PiiVault().restore("unknown [CARD_9] stays") == "unknown [CARD_9] stays"
