"""Closed-loop HTTP chat load: N concurrent conversations on loopback, each sending its next message when the last
answer arrives; records per-turn latency, status codes and every acknowledged (200) turn.

Used by the HTTP figures of `copilot bench` and by the soak and kill -9 resilience tests.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import httpx
import yaml

from copilot.bench.stats import summary
from copilot.config import PROJECT_ROOT

MESSAGES_FILE = PROJECT_ROOT / "evals" / "intents" / "heldout.yaml"     # 540 customer messages, every persona's needs
TURNS_PER_CONVERSATION = 6          # then the client starts a new conversation, as a returning customer would
WARMUP_MESSAGES = 8
STRIDE = 37                         # clients start this many messages apart in the pool


@lru_cache(maxsize=1)
def messages(path: Path = MESSAGES_FILE) -> tuple[str, ...]:
    """The distinct customer messages the load draws from, in a fixed shuffled order (so caches keyed on the text
    cannot flatter the figures: a level of a few hundred turns seldom repeats one)."""
    texts = sorted({case["text"] for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]})
    random.Random(7).shuffle(texts)
    return tuple(texts)


@dataclass
class Ack:
    """One acknowledged turn: the server answered 200 with this route."""

    customer: str
    conversation_id: str
    client_message_id: str
    text: str
    route: str


@dataclass
class LoadResult:
    concurrency: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)           # transport errors and non-200 bodies (first few)
    acks: list[Ack] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def transport_errors(self) -> int:
        """Requests that got no HTTP answer at all (connection refused or reset, timeout)."""
        return self.statuses.get(0, 0)

    def figures(self) -> dict:
        return {"concurrency": self.concurrency, "turns": len(self.acks), "seconds": round(self.seconds, 2),
                "throughput_turns_per_s": round(len(self.acks) / self.seconds, 2) if self.seconds else 0.0,
                "latency": summary(self.latencies_ms), "errors": self.errors, "server_errors": self.server_errors,
                "transport_errors": self.transport_errors,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}


class _Client:
    """One simulated customer session: its token, conversations and messages."""

    def __init__(self, http: httpx.AsyncClient, customer: str, token: str, result: LoadResult, offset: int) -> None:
        self.http, self.customer, self.result = http, customer, result
        self.headers = {"Authorization": f"Bearer {token}"}
        pool = messages()
        self.messages = itertools.islice(itertools.cycle(pool), offset * STRIDE % len(pool), None)
        self.conversation: str | None = None
        self.sent = self.attempts = 0

    def _record(self, status: int, detail: str) -> None:
        self.result.statuses[status] += 1
        if status != 200 and len(self.result.failures) < 20:
            self.result.failures.append(f"{status}: {detail[:300]}")

    async def turn(self) -> None:
        self.attempts += 1
        try:
            if self.conversation is None or self.sent % TURNS_PER_CONVERSATION == 0:
                response = await self.http.post("/api/conversations", json={"channel": "web"}, headers=self.headers)
                if response.status_code != 201:
                    return self._record(response.status_code, response.text)
                self.conversation = response.json()["id"]
            text, message_id = next(self.messages), f"bench-{uuid.uuid4().hex[:16]}"
            started = time.perf_counter()
            response = await self.http.post(f"/api/conversations/{self.conversation}/messages?stream=false",
                                            json={"text": text, "client_message_id": message_id}, headers=self.headers)
            elapsed = (time.perf_counter() - started) * 1000
        except httpx.HTTPError as exc:
            self._record(0, f"{type(exc).__name__}: {exc}")
            return await asyncio.sleep(0.05)                  # a dead server refuses at once: do not spin
        self.sent += 1
        self._record(response.status_code, response.text)
        if response.status_code == 200:
            self.result.latencies_ms.append(elapsed)
            self.result.acks.append(Ack(self.customer, self.conversation, message_id, text, response.json()["route"]))


async def _drive(base_url: str, tokens: dict[str, str], concurrency: int, turns: int | None, seconds: float | None,
                 timeout: float, stop: threading.Event) -> LoadResult:
    result = LoadResult(concurrency)
    # idle connections are dropped well before uvicorn's 5 s keep-alive closes them, so a request never races a close
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4,
                          keepalive_expiry=2.0)
    customers = list(tokens.items())
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
        clients = [_Client(http, *customers[i % len(customers)], result, offset=i) for i in range(concurrency)]
        deadline = time.monotonic() + seconds if seconds else None

        async def run(client: _Client) -> None:
            while (turns is None or client.attempts < turns) and (deadline is None or time.monotonic() < deadline) \
                    and not stop.is_set():
                await client.turn()

        started = time.perf_counter()
        await asyncio.gather(*(run(client) for client in clients))
        result.seconds = time.perf_counter() - started
    return result


def drive(base_url: str, tokens: dict[str, str], concurrency: int, *, turns: int | None = None,
          seconds: float | None = None, timeout: float = 180.0, stop: threading.Event | None = None) -> LoadResult:
    """Run `concurrency` sessions (customers round-robin over tokens) for `turns` turns each, for `seconds`, or
    until `stop` is set (a session finishes the turn it is in)."""
    if turns is None and seconds is None and stop is None:
        raise ValueError("give turns per session, seconds or a stop event")
    return asyncio.run(_drive(base_url, tokens, concurrency, turns, seconds, timeout, stop or threading.Event()))
