"""The FastAPI application factory: routers per surface, error handlers, limits, metrics, security headers, pages."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot import __version__
from copilot.agent.loop import Copilot
from copilot.api import errors
from copilot.api.access_log import AccessLog
from copilot.api.fanout import make_fanout
from copilot.api.limits import BodyLimit, TurnRunner, make_limiter
from copilot.api.routers import (actions, assist, chat, consents, conversations, data, health, kb, metrics, pages,
                                 tokens)
from copilot.api.settings import ApiSettings
from copilot.api.telemetry import HttpMetrics
from copilot.config import Settings, get_settings
from copilot.runtime import Runtime
from copilot.store.vault import purge_expired
from copilot.warmup import warm_up

STATIC = pages.STATIC
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
DOCS_CSP = b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


class SecurityHeaders:
    """ASGI middleware adding the security headers (a looser CSP for the interactive /docs page, whose Swagger UI
    is served by the app itself through fastapi-offline: no CDN)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        docs = scope["path"] == "/docs"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k, DOCS_CSP if docs and k == b"content-security-policy" else v) for k, v in SECURITY_HEADERS]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def _purge_vault(runtime: Runtime) -> None:
    """Empty the vault values past COPILOT_PII_RETENTION_DAYS (each start of a worker)."""
    with runtime.db.session() as session:
        purge_expired(session, runtime.settings.now(), runtime.settings.pii_retention_days)


def create_app(settings: Settings | None = None, api_settings: ApiSettings | None = None,
               runtime: Runtime | None = None) -> FastAPI:
    """Build the app from settings (COPILOT_* and COPILOT_API_*); tests may pass a ready Runtime."""
    runtime = runtime or Runtime(settings or get_settings())
    api_settings = api_settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(_purge_vault, runtime)     # migrate (or fail) before taking traffic
        if api_settings.warmup:
            await run_in_threadpool(warm_up, runtime, app.state.copilot)   # the first customer does not wait
        yield

    app = FastAPIOffline(title="Financial copilot API", version=__version__, lifespan=lifespan, redoc_url=None,
                  description="Chat with the copilot (SSE or JSON), manage consents, confirm actions, and the "
                              "support-agent assist panel. Authenticate with `Authorization: Bearer <token>`; "
                              "every error is JSON `{\"error\": {\"code\", \"message\"}}`.")
    app.state.runtime, app.state.api_settings = runtime, api_settings
    app.state.copilot = Copilot(runtime)
    app.state.limiter = make_limiter(runtime.settings.redis_url, api_settings.rate_per_minute, api_settings.rate_burst)
    app.state.fanout = make_fanout(runtime.settings.redis_url)
    app.state.turns = TurnRunner(api_settings.turn_concurrency)
    errors.install(app)
    for module in (health, metrics, tokens, chat, conversations, consents, data, actions, assist, kb, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(BodyLimit, max_bytes=api_settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HttpMetrics)
    app.add_middleware(AccessLog)
    return app
