"""Health: liveness plus a database round trip (503 when the database cannot be reached)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from copilot import __version__
from copilot.api.deps import RuntimeDep
from copilot.api.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the server up and its database reachable?")
def health(runtime: RuntimeDep) -> dict:
    try:
        with runtime.db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:                      # noqa: BLE001 - any failure means "not healthy"
        raise ApiError(503, "database_unavailable", f"the database does not answer: {type(exc).__name__}") from None
    return {"status": "ok", "version": __version__, "database": runtime.db.dialect,
            "provider": runtime.settings.provider, "demo_mode": runtime.settings.demo_mode,
            "shared_state": "redis" if runtime.settings.redis_url else "in-process"}
