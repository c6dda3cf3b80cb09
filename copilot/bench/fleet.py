"""`copilot bench --fleet`: HTTP chat on PostgreSQL with 1, 2 and 4 workers: turns/s, latency, resident memory per
worker and the database connections the workers hold.

Each worker count gets its own scratch database on the PostgreSQL server of the base settings' COPILOT_DATABASE_URL
(created, seeded with the demo bank, dropped after), a copy of the workspace's knowledge index, and Redis when
COPILOT_REDIS_URL is set. Connections are sampled from pg_stat_activity every 0.2 s while a level runs (the peak).
"""

from __future__ import annotations

import threading
import time

import psycopg
from sqlalchemy.engine import make_url

from copilot.bench.load import WARMUP_MESSAGES, drive
from copilot.bench.scratch import scratch_database
from copilot.bench.server import ServerProcess, customer_tokens, worker_rss_mb
from copilot.bench.workspace import Workspace
from copilot.config import ConfigError
from copilot.runtime import Runtime

SAMPLE_SECONDS = 0.2
WARM_SHARE, WARM_TIMEOUT = 0.85, 300.0


def wait_all_warm(server: ServerProcess) -> list[float]:
    """Wait until every worker holds its models (resident memory within WARM_SHARE of the largest): /health answers
    as soon as one worker is up, and a worker still loading would be measured as a slow one. Its RSS list."""
    deadline = time.monotonic() + WARM_TIMEOUT
    while time.monotonic() < deadline:
        rss = worker_rss_mb(server.process.pid, server.workers)
        if len(rss) == server.workers and min(rss) >= WARM_SHARE * max(rss):
            return rss
        time.sleep(0.5)
    raise RuntimeError(f"not every worker warmed up within {WARM_TIMEOUT:.0f} s (RSS {rss} MB)")


class ConnectionPeak:
    """Samples the number of connections to one database in a thread; `peak` once stopped."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.name = make_url(url).database
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> int:
        with psycopg.connect(self.url, connect_timeout=3) as conn:
            count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                                 "pg_backend_pid()", (self.name,)).fetchone()[0]
        return int(count)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> ConnectionPeak:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def fleet_figures(workspace: Workspace, server_url: str, workers: int, levels: tuple[int, ...],
                  turns: dict[int, int]) -> dict:
    with scratch_database(server_url, "copilot_bench") as url:
        settings = workspace.copy(f"fleet-{workers}w").model_copy(
            update={"database_url": url, "redis_url": workspace.base.redis_url})
        runtime = Runtime(settings)
        runtime.seed_demo()
        runtime.db.dispose()
        tokens = customer_tokens(settings)
        with ServerProcess(settings, workers=workers) as server:
            figures = {"workers": workers, "redis": bool(settings.redis_url), "pool_size": settings.db_pool_size,
                       "max_overflow": settings.db_max_overflow, "levels": {}}
            figures["rss_mb_per_worker_started"] = wait_all_warm(server)
            figures["warmup_errors"] = drive(server.url, tokens, concurrency=WARMUP_MESSAGES, turns=1).errors
            for level in levels:
                with ConnectionPeak(url) as connections:
                    result = drive(server.url, tokens, concurrency=level, turns=turns[level])
                figures["levels"][str(level)] = {**result.figures(), "db_connections_peak": connections.peak,
                                                 "rss_mb_per_worker": worker_rss_mb(server.process.pid, workers),
                                                 "failures": result.failures[:5]}
            figures["db_connections_idle"] = ConnectionPeak(url).now()
    return figures


def require_postgres(url: str) -> str:
    """The URL, when it names a PostgreSQL server; ConfigError saying how to give one otherwise."""
    if make_url(url or "sqlite://").get_backend_name() != "postgresql":
        raise ConfigError("copilot bench --fleet measures on PostgreSQL: set COPILOT_DATABASE_URL (or pass --postgres) "
                          "to postgresql+psycopg://user@host:5432/db; the bench makes and drops its own databases "
                          "there")
    return url


def fleet(workspace: Workspace, workers: tuple[int, ...], levels: tuple[int, ...], turns: dict[int, int]) -> dict:
    """{"<n>_workers": figures} for each worker count, all on PostgreSQL."""
    server_url = require_postgres(workspace.base.database_url)
    return {f"{n}_workers": fleet_figures(workspace, server_url, n, levels, turns) for n in workers}
