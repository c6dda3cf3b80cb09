"""Request-size limit (413 before the body is read), the per-token token-bucket rate limiter (429: in this worker's
memory, or in Redis shared by every worker when COPILOT_REDIS_URL is set), and the cap on copilot turns computed at
once."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from functools import partial

import redis
from anyio import CapacityLimiter, to_thread
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


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

    Buckets live in the worker's memory: with N workers a token may make up to N times the rate (a fleet uses
    RedisRateLimiter). The number of buckets is capped, the least recently used are forgotten first (a forgotten
    bucket starts full)."""

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


# The same bucket as RateLimiter, in one atomic script on Redis's clock; a bucket left alone expires once full again.
BUCKET = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local saved = redis.call('HMGET', KEYS[1], 'level', 'stamp')
local level = math.min(burst, (tonumber(saved[1]) or burst) + (now - (tonumber(saved[2]) or now)) * rate)
local allowed = level >= 1
if allowed then level = level - 1 end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
if allowed then return false end
return tostring((1 - level) / rate)
"""


class RedisRateLimiter:
    """Token buckets in Redis, shared by every worker of every instance: a token gets the rate once, fleet-wide.

    While Redis cannot be reached the worker falls back to its own in-memory buckets (logged), so an outage of the
    limiter degrades the limit to per worker instead of refusing every request."""

    def __init__(self, url: str, per_minute: float, burst: int) -> None:
        self.rate, self.burst = per_minute / 60.0, burst
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.script = self.client.register_script(BUCKET)
        self.fallback = RateLimiter(per_minute, burst)

    def hit(self, key: str) -> float | None:
        """Take one request from the shared bucket; None when allowed, else the seconds to wait before retrying."""
        try:
            wait = self.script(keys=[f"copilot:rate:{key}"], args=[self.rate, self.burst])
        except redis.RedisError as exc:
            log.warning("rate limiter in Redis unreachable (%s); limiting in this worker meanwhile", exc)
            return self.fallback.hit(key)
        return None if wait is None else float(wait)


def make_limiter(redis_url: str, per_minute: float, burst: int) -> RateLimiter | RedisRateLimiter:
    """Shared buckets in Redis when a URL is set, else this worker's own."""
    return RedisRateLimiter(redis_url, per_minute, burst) if redis_url else RateLimiter(per_minute, burst)


class TurnRunner:
    """Runs copilot turns in worker threads, at most `concurrency` at once; the rest wait in arrival order.

    A turn is CPU-bound Python: beyond a few threads the GIL only time-slices them, so every turn gets slower and a
    long one (a knowledge search) starves behind the others."""

    def __init__(self, concurrency: int) -> None:
        self.limiter = CapacityLimiter(concurrency)

    async def __call__(self, func, *args, **kwargs):
        return await to_thread.run_sync(partial(func, *args, **kwargs), limiter=self.limiter)
