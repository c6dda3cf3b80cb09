"""Request-size limit (413 before the body is read), the per-token token-bucket rate limiter (429), and the cap on
copilot turns computed at once."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from functools import partial

from anyio import CapacityLimiter, to_thread
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the limit is refused at once; a streamed body that
    grows past it raises 413 while being read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(send)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited, send)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": {"code": "body_too_large", "message": self._message()}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """Token buckets keyed by API token (or client address): `burst` at once, `per_minute` sustained.

    Buckets live in the worker's memory: with N workers a token may make up to N times the rate. The number of
    buckets is capped, the least recently used are forgotten first (a forgotten bucket starts full)."""

    def __init__(self, per_minute: float, burst: int, max_keys: int = 50_000) -> None:
        self.rate, self.burst, self.max_keys = per_minute / 60.0, float(burst), max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Take one request from the bucket; None when allowed, else the seconds to wait before retrying."""
        now = time.monotonic()
        with self._lock:
            level, stamp = self._buckets.pop(key, (self.burst, now))
            level = min(self.burst, level + (now - stamp) * self.rate)
            allowed = level >= 1.0
            self._buckets[key] = (level - 1.0 if allowed else level, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return None if allowed else (1.0 - level) / self.rate


class TurnRunner:
    """Runs copilot turns in worker threads, at most `concurrency` at once; the rest wait in arrival order.

    A turn is CPU-bound Python: beyond a few threads the GIL only time-slices them, so every turn gets slower and a
    long one (a knowledge search) starves behind the others."""

    def __init__(self, concurrency: int) -> None:
        self.limiter = CapacityLimiter(concurrency)

    async def __call__(self, func, *args, **kwargs):
        return await to_thread.run_sync(partial(func, *args, **kwargs), limiter=self.limiter)
