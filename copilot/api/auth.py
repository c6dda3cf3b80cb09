"""Bearer tokens: minting (the secret is shown once, only its SHA-256 is stored), resolving, revoking, demo tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot.runtime import Runtime
from copilot.store.models import ApiToken, Customer

ROLES = ("customer", "support_agent", "admin")
PREFIX = "cpt_"
ACTOR_PREFIX = {"customer": "customer", "support_agent": "agent", "admin": "admin"}
DEMO_LABEL = "demo"
DEMO_AGENT = "alice"


class AuthError(Exception):
    """A token is missing, unknown, revoked or expired; `code` names which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, role and subject (a customer id, or an agent's or admin's name)."""

    token_id: int
    role: str
    subject: str

    @property
    def actor(self) -> str:
        return f"{ACTOR_PREFIX[self.role]}:{self.subject}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint(session: Session, role: str, subject: str, *, now: datetime, days: int | None,
         label: str = "") -> tuple[str, ApiToken]:
    """A new token; returns the secret (never stored) and the row."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "customer" and session.get(Customer, subject) is None:
        raise ValueError(f"unknown customer {subject!r}")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=hash_secret(secret), role=role, subject=subject, label=label[:80], created_at=now,
                     expires_at=now + timedelta(days=days) if days else None, revoked=False)
    session.add(token)
    session.flush()
    return secret, token


def resolve(session: Session, secret: str, now: datetime) -> Principal:
    """The principal behind a presented secret, or AuthError saying why it is not accepted."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked:
        raise AuthError("invalid_token", "this token is not valid (unknown or revoked); ask for a new one")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthError("token_expired", f"this token expired at {token.expires_at.isoformat()}; ask for a new one")
    return Principal(token_id=token.id, role=token.role, subject=token.subject)


def revoke(session: Session, token_id: int) -> bool:
    return session.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked.is_(False))
                           .values(revoked=True)).rowcount == 1


@dataclass(frozen=True)
class IssuedToken:
    role: str
    subject: str
    name: str
    secret: str


def mint_demo_tokens(runtime: Runtime, days: int) -> list[IssuedToken]:
    """Demo mode only: one token per demo customer, one support agent and one admin (earlier demo tokens revoked)."""
    if not runtime.settings.demo_mode:
        raise RuntimeError("demo tokens are only minted in demo mode (COPILOT_DEMO_MODE=true)")
    now = runtime.settings.now()
    issued = []
    with runtime.db.session() as session:
        session.execute(update(ApiToken).where(ApiToken.label == DEMO_LABEL).values(revoked=True))
        people = [("customer", c.id, c.name) for c in session.scalars(select(Customer).order_by(Customer.id))]
        for role, subject, name in [*people, ("support_agent", DEMO_AGENT, "Alice (support agent)"),
                                    ("admin", "admin", "Administrator")]:
            secret, _ = mint(session, role, subject, now=now, days=days, label=DEMO_LABEL)
            issued.append(IssuedToken(role, subject, name, secret))
    return issued


def bootstrap_admin(runtime: Runtime, days: int) -> str | None:
    """A first admin token when none is live (the way in outside demo mode); None when one exists."""
    now = runtime.settings.now()
    with runtime.db.session() as session:
        live = session.scalars(select(ApiToken).where(ApiToken.role == "admin", ApiToken.revoked.is_(False)))
        if any(t.expires_at is None or t.expires_at > now for t in live):
            return None
        return mint(session, "admin", "admin", now=now, days=days, label="bootstrap")[0]
