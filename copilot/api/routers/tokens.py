"""Tokens: who the caller is, and for admins minting, listing and revoking (a secret is shown once; only its SHA-256
is stored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from copilot.api import auth
from copilot.api.deps import AdminDep, ApiSettingsDep, PrincipalDep, RuntimeDep
from copilot.api.errors import ApiError
from copilot.api.schemas import TokenIn, TokenOut
from copilot.store.models import ApiToken

router = APIRouter(tags=["tokens"])
ADMIN = "/api/admin/tokens"
TokenId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/api/me", summary="The role and subject of the presented token")
def me(principal: PrincipalDep, api: ApiSettingsDep) -> dict:
    return {"role": principal.role, "subject": principal.subject, "actor": principal.actor,
            "poll_seconds": api.poll_seconds}


def token_dict(token: ApiToken, secret: str | None = None) -> dict:
    return {"id": token.id, "role": token.role, "subject": token.subject, "label": token.label,
            "created_at": token.created_at, "expires_at": token.expires_at, "revoked": token.revoked, "secret": secret}


@router.post(ADMIN, status_code=201, response_model=TokenOut, summary="Mint a token (the secret is in this answer only)")
def mint(body: TokenIn, _: AdminDep, runtime: RuntimeDep, api: ApiSettingsDep) -> dict:
    with runtime.db.session() as session:
        try:
            secret, token = auth.mint(session, body.role, body.subject, now=runtime.settings.now(),
                                      days=body.days or api.token_days, label=body.label)
        except ValueError as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None
        return token_dict(token, secret)


@router.get(ADMIN, response_model=list[TokenOut], summary="Tokens (never their secrets)")
def list_tokens(_: AdminDep, runtime: RuntimeDep, include_revoked: bool = Query(False),
                limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    with runtime.db.session() as session:
        query = select(ApiToken).order_by(ApiToken.id.desc()).limit(limit)
        if not include_revoked:
            query = query.where(ApiToken.revoked.is_(False))
        return [token_dict(t) for t in session.scalars(query)]


@router.delete(ADMIN + "/{token_id}", response_model=TokenOut, summary="Revoke a token, effective at once")
def revoke(token_id: TokenId, _: AdminDep, runtime: RuntimeDep) -> dict:
    with runtime.db.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise ApiError(404, "not_found", f"no token {token_id}")
        auth.revoke(session, token_id)
        session.refresh(token)
        return token_dict(token)
