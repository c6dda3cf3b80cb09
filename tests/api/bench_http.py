"""Chat throughput over HTTP on loopback: N concurrent conversations against the real `copilot serve` (offline
provider), each a short scripted dialogue over SSE. Prints turns/s, latency percentiles, errors and server memory.

    python -m tests.api.bench_http --conversations 32 --turns 6 --workers 2 [--turn-concurrency 2] [--chroma PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from copilot.config import load_settings
from copilot.runtime import Runtime
from knowledge import ingest
from tests.api.conftest import CUSTOMERS
from tests.api.server import running_server
from tests.conftest import AS_OF, CLOCK

SCRIPT = ["How much did I spend last month?", "what's my balance?", "How are my budgets doing?",
          "what bills are coming up?", "what does it cost to use an ATM abroad?", "is there anything suspicious?",
          "how much did I spend on groceries this month?", "thanks!"]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0


async def turn(client: httpx.AsyncClient, conversation: str, text: str, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        async with client.stream("POST", f"/api/conversations/{conversation}/messages", json={"text": text}) as reply:
            body = (await reply.aread()).decode()
        if reply.status_code != 200 or "event: done" not in body or "event: error" in body:
            tally.errors.append(f"{reply.status_code}: {body[-200:]}")
            return
    except httpx.HTTPError as exc:
        tally.errors.append(f"{type(exc).__name__}: {exc}")
        return
    tally.latencies.append(time.perf_counter() - started)


async def dialogue(url: str, token: str, turns: int, offset: int, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        created = await client.post("/api/conversations", json={"channel": "api"})
        if created.status_code != 201:
            tally.errors.append(f"start: {created.status_code} {created.text[:200]}")
            return
        for i in range(turns):
            await turn(client, created.json()["id"], SCRIPT[(offset + i) % len(SCRIPT)], tally)


async def watch_memory(server, tally: Tally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        tally.peak_rss_mb = max(tally.peak_rss_mb, server.rss_mb())
        await asyncio.sleep(0.5)


async def load(server, conversations: int, turns: int) -> tuple[Tally, float]:
    tally, stop = Tally(), asyncio.Event()
    watcher = asyncio.create_task(watch_memory(server, tally, stop))
    started = time.perf_counter()
    await asyncio.gather(*(dialogue(server.url, server.token(CUSTOMERS[i % len(CUSTOMERS)]), turns, i, tally)
                           for i in range(conversations)))
    elapsed = time.perf_counter() - started
    stop.set()
    await watcher
    return tally, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def run(conversations: int, turns: int, workers: int, chroma: Path | None, folder: Path,
        turn_concurrency: int = 2) -> dict:
    """Seed a demo bank in `folder`, serve it, load it, and return the figures."""
    settings = load_settings(data_dir=folder / "data", clock=CLOCK, demo_as_of=AS_OF, provider="offline")
    Runtime(settings).seed_demo()
    if chroma is None:
        ingest(settings)
    else:
        shutil.copytree(chroma, settings.chroma_dir)
    with running_server(settings.data_dir, settings.chroma_dir, workers=workers,
                        COPILOT_API_RATE_PER_MINUTE="1000000", COPILOT_API_RATE_BURST="100000",
                        COPILOT_API_TURN_CONCURRENCY=str(turn_concurrency)) as server:
        idle_mb = server.rss_mb()
        tally, elapsed = asyncio.run(load(server, conversations, turns))
    done = len(tally.latencies)
    return {"conversations": conversations, "turns_per_conversation": turns, "workers": workers,
            "turn_concurrency": turn_concurrency,
            "turns": done, "errors": len(tally.errors), "seconds": round(elapsed, 2),
            "turns_per_second": round(done / elapsed, 2),
            "latency_ms": {"p50": round(percentile(tally.latencies, 0.5) * 1000),
                           "p95": round(percentile(tally.latencies, 0.95) * 1000),
                           "max": round(max(tally.latencies, default=0) * 1000),
                           "mean": round(statistics.fmean(tally.latencies) * 1000) if done else None},
            "server_rss_mb": {"idle": round(idle_mb), "peak": round(tally.peak_rss_mb)},
            "first_errors": tally.errors[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=32)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--turn-concurrency", type=int, default=2, help="COPILOT_API_TURN_CONCURRENCY")
    parser.add_argument("--chroma", type=Path, help="copy this built knowledge index instead of ingesting (~1 min)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="copilot-bench-") as folder:
        figures = run(args.conversations, args.turns, args.workers, args.chroma, Path(folder), args.turn_concurrency)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
