"""Every error as JSON `{"error": {"code", "message", ...}}` with the right status; never a traceback."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from copilot.agent.loop import ConversationNotFound
from copilot.consent import ConsentError
from copilot.runtime import UnknownCustomer
from copilot.store import StoreError
from knowledge import KnowledgeIndexError

log = logging.getLogger(__name__)
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "body_too_large",
              415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited"}


class ApiError(Exception):
    """An error the client can act on: status, a stable code, a sentence, optional extra fields."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers, extra


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers)


def _field(error: dict) -> dict:
    """One validation problem: where and what, without echoing the (possibly huge or sensitive) input."""
    where = ".".join(str(part) for part in error.get("loc", ()))
    return {"field": where, "problem": error.get("msg", "invalid")}


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)


async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [_field(e) for e in exc.errors()]
    summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields[:5])
    return error_response(422, "invalid_request", f"the request is not valid: {summary}", fields=fields)


def _mapped(status: int, code: str):
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return error_response(status, code, str(exc).strip() or code.replace("_", " "))
    return handler


def _unavailable(code: str, message: str):
    """A backing service is down: a retryable 503 that says so, with the detail (paths, hosts) kept in the log."""
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s on %s %s: %s", code, request.method, request.url.path, exc)
        return error_response(503, code, message, {"Retry-After": "5"})
    return handler


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", reference, request.method, request.url.path)
    return error_response(500, "internal_error", f"something went wrong on our side (reference {reference})")


def install(app: FastAPI) -> None:
    """Register the handlers; domain errors from the runtime map to 404/422/503."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ConversationNotFound, _mapped(404, "not_found"))
    app.add_exception_handler(UnknownCustomer, _mapped(404, "not_found"))
    app.add_exception_handler(ConsentError, _mapped(422, "invalid_consent"))
    app.add_exception_handler(StoreError, _unavailable(
        "database_unavailable", "the bank's database is busy or unavailable right now; please try again in a moment"))
    app.add_exception_handler(KnowledgeIndexError, _unavailable(
        "knowledge_unavailable", "the knowledge base is unavailable right now; please try again in a moment"))
    app.add_exception_handler(Exception, _unexpected)
