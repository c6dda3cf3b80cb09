"""Prometheus instruments (turns, routes, tool calls, consent denials, filter hits, latency) and the HTTP middleware.

With several uvicorn workers, `copilot serve` sets PROMETHEUS_MULTIPROC_DIR so every worker's samples are summed.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

TURNS = Counter("copilot_turns_total", "Assistant turns served, by route and channel.", ["route", "channel"])
TOOL_CALLS = Counter("copilot_tool_calls_total", "Tool calls made by the agent, by tool and outcome status.",
                     ["tool", "status"])
CONSENT_DENIALS = Counter("copilot_consent_denials_total", "Consent refusals: by the gate (a tool lacked a scope) "
                          "or by the customer (Deny button), per scope.", ["scope", "source"])
FILTER_HITS = Counter("copilot_filter_hits_total", "Guard and output-filter rule hits, by direction and rule.",
                      ["direction", "rule"])
TURN_LATENCY = Histogram("copilot_turn_latency_seconds", "Time to produce one assistant turn.", ["provider"],
                         buckets=LATENCY_BUCKETS)
TOKENS = Counter("copilot_llm_tokens_total", "Prompt and completion tokens.", ["kind"])
HTTP_REQUESTS = Counter("copilot_http_requests_total", "HTTP requests, by method, route and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("copilot_http_request_duration_seconds", "HTTP request duration (to the last byte).",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
RATE_LIMITED = Counter("copilot_rate_limited_total", "Requests refused by the per-token rate limiter.")
AGENT_REPLIES = Counter("copilot_agent_replies_total", "Support-agent replies, by compliance verdict.", ["verdict"])


def _rule_hits(decision: dict | None) -> list[tuple[str, str]]:
    if not decision:
        return []
    return [(decision.get("direction", "output"), hit["rule_id"]) for hit in decision.get("rules", [])]


def observe_turn(result: dict, channel: str) -> None:
    """Count one finished turn (a TurnResult as a dict)."""
    TURNS.labels(result["route"], channel).inc()
    TURN_LATENCY.labels(result.get("provider", "offline")).observe(result.get("latency_ms", 0.0) / 1000.0)
    TOKENS.labels("prompt").inc(result.get("prompt_tokens", 0))
    TOKENS.labels("completion").inc(result.get("completion_tokens", 0))
    for call in result.get("tools", []):
        TOOL_CALLS.labels(call["name"], call.get("status", "ok")).inc()
    for scope in (result.get("consent_request") or {}).get("scopes", []):
        CONSENT_DENIALS.labels(scope, "gate").inc()
    guard = result.get("guard") or {}
    for direction, rule in _rule_hits(guard.get("input")) + _rule_hits(guard.get("output")):
        FILTER_HITS.labels(direction, rule).inc()


def observe_reply(decision: dict) -> None:
    AGENT_REPLIES.labels(decision["verdict"]).inc()
    for direction, rule in _rule_hits(decision):
        FILTER_HITS.labels(direction, rule).inc()


def observe_declined(scopes: list[str]) -> None:
    for scope in scopes:
        CONSENT_DENIALS.labels(scope, "customer").inc()


def exposition() -> tuple[bytes, str]:
    """The metrics page: this process's registry, or every worker's when running multi-process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST


class HttpMetrics:
    """ASGI middleware counting requests by route template (never by raw path: ids would explode the labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
