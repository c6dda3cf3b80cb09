"""Typed dependency aliases the routers declare: runtime, copilot, the caller (by role) and ids the caller owns."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from copilot.agent.loop import Copilot
from copilot.api.auth import AuthError, Principal, resolve
from copilot.api.errors import ApiError
from copilot.api.limits import RateLimiter, RedisRateLimiter, TurnRunner
from copilot.api.fanout import Fanout
from copilot.api.settings import ApiSettings
from copilot.api.telemetry import RATE_LIMITED
from copilot.config import Settings
from copilot.context import ToolContext
from copilot.runtime import Runtime
from copilot.store.models import Conversation

ASSIST_CHANNEL = "assist"          # the copilot's scratch conversations for agent suggestions: never the customer's
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
bearer = HTTPBearer(auto_error=False, description="A token from `copilot serve` (demo mode) or an admin.")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_copilot(request: Request) -> Copilot:
    return request.app.state.copilot


def get_api_settings(request: Request) -> ApiSettings:
    return request.app.state.api_settings


def get_turns(request: Request) -> TurnRunner:
    return request.app.state.turns


def get_fanout(request: Request) -> Fanout:
    return request.app.state.fanout


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
FanoutDep = Annotated[Fanout, Depends(get_fanout)]
TurnsDep = Annotated[TurnRunner, Depends(get_turns)]
CopilotDep = Annotated[Copilot, Depends(get_copilot)]
ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _throttle(request: Request, key: str) -> None:
    limiter: RateLimiter | RedisRateLimiter = request.app.state.limiter
    wait = limiter.hit(key)
    if wait is not None:
        RATE_LIMITED.inc()
        raise ApiError(429, "rate_limited", f"too many requests; retry in {wait:.1f} s",
                       headers={"Retry-After": str(max(1, round(wait)))})


def _address(request: Request) -> str:
    return f"addr:{request.client.host if request.client else 'unknown'}"


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_principal(request: Request, runtime: RuntimeDep, credentials: Credentials) -> Principal:
    """The authenticated caller (401 when the token is missing, unknown, revoked or expired), rate limited."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        _throttle(request, _address(request))
        raise ApiError(401, "unauthorized", "send a bearer token: `Authorization: Bearer <token>`", headers=challenge)
    try:
        with runtime.db.session() as session:
            principal = resolve(session, credentials.credentials, runtime.settings.now())
    except AuthError as exc:
        _throttle(request, _address(request))              # guessing tokens costs the guesser's address budget
        raise ApiError(401, exc.code, str(exc), headers=challenge) from None
    _throttle(request, f"token:{principal.token_id}")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def optional_principal(request: Request, runtime: RuntimeDep, credentials: Credentials) -> Principal | None:
    """The caller when a token is sent; anonymous callers are rate limited by address."""
    if credentials is not None:
        return get_principal(request, runtime, credentials)
    _throttle(request, _address(request))
    return None


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def role(*allowed: str):
    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise ApiError(403, "forbidden", f"this needs a {' or '.join(allowed)} token")
        return principal
    return check


CustomerDep = Annotated[Principal, Depends(role("customer"))]
AgentDep = Annotated[Principal, Depends(role("support_agent"))]
AdminDep = Annotated[Principal, Depends(role("admin"))]
IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]


def own_customer(customer_id: IdPath, principal: CustomerDep) -> str:
    """The path's customer id, when it is the caller's own (403 otherwise, whether or not it exists)."""
    if customer_id != principal.subject:
        raise ApiError(403, "forbidden", "a customer token can only reach its own customer's data")
    return customer_id


OwnCustomerId = Annotated[str, Depends(own_customer)]


def own_conversation(conversation_id: IdPath, principal: CustomerDep, runtime: RuntimeDep) -> Conversation:
    """The caller's conversation; another customer's (or an internal one) is 404, as if it did not exist."""
    with runtime.db.session() as session:
        conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.customer_id != principal.subject or conversation.channel == ASSIST_CHANNEL:
        raise ApiError(404, "not_found", f"no conversation {conversation_id!r}")
    return conversation


OwnConversation = Annotated[Conversation, Depends(own_conversation)]


def tool_context(runtime: Runtime, principal: Principal, conversation_id: str | None = None,
                 customer_id: str | None = None) -> ToolContext:
    """The tool context for a call made by this principal (for the customer it names, or its own)."""
    return ToolContext(db=runtime.db, settings=runtime.settings, customer_id=customer_id or principal.subject,
                       actor=principal.actor, role=principal.role, now=runtime.settings.now(),
                       conversation_id=conversation_id, retriever=runtime.retriever, channel="web")
