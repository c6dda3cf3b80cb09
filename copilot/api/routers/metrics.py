"""Prometheus metrics page (counts and latencies only: nothing about any customer)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from copilot.api.telemetry import exposition

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics() -> Response:
    body, content_type = exposition()
    return Response(body, media_type=content_type)
