"""The browsers and apps a customer chats from: remembered by a hash of the id the client sends, first and last seen."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from copilot.store.models import ClientDevice


def remember(session: Session, customer_id: str, client_id: str, now: datetime) -> str:
    """The device's id (seen now); a device the customer never used before is added, first seen now."""
    device_id = hashlib.sha256(f"{customer_id}\0{client_id}".encode()).hexdigest()
    device = session.get(ClientDevice, device_id)
    if device is None:
        session.add(ClientDevice(id=device_id, customer_id=customer_id, first_seen=now, last_seen=now))
    else:
        device.last_seen = now
    return device_id
