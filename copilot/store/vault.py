"""The PII vault table at rest: Fernet encryption of the values, the key (settings, or a demo key file), retention.

Only ciphertext is ever written; the key never is (demo mode keeps it in <data_dir>/vault.key, mode 0600).
Purging empties a row's ciphertext but keeps its placeholder, so a conversation never reuses "[CARD_1]".
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot.config import Settings
from copilot.store.models import VaultEntry

KEY_FILE = "vault.key"
Entry = tuple[str, str, str | None]            # (placeholder, entity type, original value or None once purged)


def demo_key(data_dir: Path) -> str:
    """The demo vault key in the data folder, made once (0600; a race between workers keeps the first one)."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".vault-key-")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, Fernet.generate_key())
            os.close(handle)
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    return path.read_text(encoding="ascii").strip()


@lru_cache(maxsize=16)
def _cipher(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])


def cipher_for(settings: Settings) -> MultiFernet:
    """COPILOT_VAULT_KEY (the first key encrypts, every key decrypts), else the demo key file (demo mode only)."""
    keys = settings.vault_key.get_secret_value() if settings.vault_key else demo_key(settings.data_dir)
    return _cipher(keys)


def load_entries(session: Session, cipher: MultiFernet, conversation_id: str, now: datetime,
                 retention_days: int) -> list[Entry]:
    """The conversation's placeholders; a value past retention, or under a key no longer configured, reads as None."""
    cutoff = now - timedelta(days=retention_days)
    out: list[Entry] = []
    for row in session.scalars(select(VaultEntry).where(VaultEntry.conversation_id == conversation_id)
                               .order_by(VaultEntry.id)):
        value = None
        if row.ciphertext and row.created_at >= cutoff:
            try:
                value = cipher.decrypt(row.ciphertext.encode("ascii")).decode("utf-8")
            except InvalidToken:
                value = None
        out.append((row.token, row.entity_type, value))
    return out


def save_entries(session: Session, cipher: MultiFernet, conversation_id: str, customer_id: str,
                 entries: list[Entry], now: datetime) -> None:
    """Insert new placeholders (the unique (conversation, token) constraint refuses a concurrent duplicate)."""
    session.add_all(VaultEntry(conversation_id=conversation_id, customer_id=customer_id, token=token,
                               entity_type=entity_type, created_at=now,
                               ciphertext=cipher.encrypt(value.encode("utf-8")).decode("ascii"))
                    for token, entity_type, value in entries if value is not None)


def purge_expired(session: Session, now: datetime, retention_days: int) -> int:
    """Empty every value older than the retention period; returns how many were purged."""
    cutoff = now - timedelta(days=retention_days)
    return session.execute(update(VaultEntry).where(VaultEntry.created_at < cutoff, VaultEntry.ciphertext.is_not(None))
                           .values(ciphertext=None, purged_at=now)).rowcount

