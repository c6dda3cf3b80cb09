"""Notices between workers ("conversation X has new messages", "a hand-off was queued"): in-process queues, or Redis
pub/sub when COPILOT_REDIS_URL is set, so a worker's stream hears what another worker wrote.

A notice only says where to look: the database stays the record, and a stream re-reads it after every notice and
every `check_seconds` anyway, so a notice lost (Redis restarting) delays a message, never loses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import redis.asyncio

log = logging.getLogger(__name__)
PREFIX = "copilot:"
HANDOFFS = "handoffs"


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class LocalFanout:
    """Notices within this process only (the embedded default: one worker sees everything it writes)."""

    def __init__(self) -> None:
        self._queues: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}
        self._lock = threading.Lock()

    def publish(self, channel: str, notice: dict) -> None:
        """Hand the notice to every subscriber of the channel (thread-safe; never blocks)."""
        with self._lock:
            targets = list(self._queues.get(channel, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(queue.put_nowait, notice)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[LocalNotices]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._queues.setdefault(channel, set()).add(entry)
        try:
            yield LocalNotices(entry[1])
        finally:
            with self._lock:
                self._queues[channel].discard(entry)
                if not self._queues[channel]:
                    del self._queues[channel]


class RedisFanout:
    """Notices through Redis pub/sub: every worker of every instance subscribed to a channel gets them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, channel: str, notice: dict) -> None:
        try:
            self.client.publish(PREFIX + channel, json.dumps(notice, default=str))
        except redis.RedisError as exc:
            log.warning("notice on %s not published (%s); streams pick the change up at their next check", channel,
                        exc)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[RedisNotices]:
        client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=2)
        notices = RedisNotices(client.pubsub(ignore_subscribe_messages=True), PREFIX + channel)
        await notices.connect()
        try:
            yield notices
        finally:
            await notices.pubsub.aclose()
            await client.aclose()


class LocalNotices:
    """One in-process subscription: `wait(seconds)` is the next notice, or None when none came in time."""

    def __init__(self, queue: asyncio.Queue) -> None:
        self.queue = queue

    async def wait(self, seconds: float) -> dict | None:
        try:
            return await asyncio.wait_for(self.queue.get(), seconds)
        except TimeoutError:
            return None


class RedisNotices:
    """One Redis subscription: `wait(seconds)` is the next notice, or None when none came in time. While Redis is
    unreachable it waits out the seconds and tries again on the next call (the stream re-reads the database)."""

    def __init__(self, pubsub: redis.asyncio.client.PubSub, channel: str) -> None:
        self.pubsub, self.channel, self.subscribed = pubsub, channel, False

    async def connect(self) -> None:
        try:
            await self.pubsub.subscribe(self.channel)
            self.subscribed = True
        except (redis.RedisError, OSError) as exc:
            log.warning("cannot subscribe to %s (%s); the stream re-reads the database on its checks", self.channel,
                        exc)

    async def wait(self, seconds: float) -> dict | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        if not self.subscribed:
            await self.connect()
        while self.subscribed and (left := deadline - loop.time()) > 0:
            try:
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            except (redis.RedisError, OSError) as exc:
                log.warning("lost the subscription to %s (%s); retrying at the next check", self.channel, exc)
                self.subscribed = False
                break
            if message and message["type"] == "message":
                return json.loads(message["data"])
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        return None


Fanout = LocalFanout | RedisFanout


def make_fanout(redis_url: str) -> Fanout:
    """Redis pub/sub when a URL is set, else in-process."""
    return RedisFanout(redis_url) if redis_url else LocalFanout()
