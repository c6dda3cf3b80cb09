"""The fleet: three `copilot serve` instances on loopback sharing one PostgreSQL database, one Redis server and one
Chroma server (all real; a service that cannot be reached fails the tests, it never skips them)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from copilot.bench.scratch import scratch_database
from copilot.bench.server import ServerProcess
from copilot.config import Settings
from copilot.runtime import Runtime
from tests.api.conftest import Tokens, kb_chroma  # noqa: F401 - the session's KB index, served by the Chroma server
from tests.conftest import POSTGRES_ADMIN_URL, make_settings
from tests.services import ServiceError, chroma_server, redis_server

INSTANCES = 3
RATE_BURST, RATE_PER_MINUTE = 20, 600          # per token, fleet-wide
LIVE_CHECK_SECONDS = 120                       # far longer than any wait in the tests: only a notice can be in time


@dataclass
class Fleet:
    servers: list[ServerProcess]
    runtime: Runtime                           # the tests' own connection to the shared database
    tokens: Tokens

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]


def _services(stack: ExitStack, folder: Path, index: Path) -> dict[str, str]:
    try:
        database = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL, "copilot_fleet"))
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} cannot be reached (set COPILOT_TEST_POSTGRES_URL): {exc}")
    shutil.copytree(index, folder / "chroma")
    try:
        redis_url = stack.enter_context(redis_server(folder / "redis.log"))
        chroma_url = stack.enter_context(chroma_server(folder / "chroma", folder / "chroma.log"))
    except ServiceError as exc:
        pytest.fail(str(exc))
    return {"database_url": database, "redis_url": redis_url, "chroma_url": chroma_url,
            "vault_key": Fernet.generate_key().decode()}


def instance_settings(folder: Path, shared: dict[str, str]) -> Settings:
    return make_settings(folder, demo_mode=False, **shared)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, kb_chroma) -> Iterator[Fleet]:  # noqa: F811 - kb_chroma is the imported fixture
    """Seeded once, then three instances started at once (production mode: one shared vault key, no demo tokens)."""
    folder = tmp_path_factory.mktemp("fleet")
    with ExitStack() as stack:
        shared = _services(stack, folder, kb_chroma)
        runtime = Runtime(instance_settings(folder / "seed", shared))
        runtime.seed_demo()
        env = {"COPILOT_DEMO_MODE": "false", "COPILOT_VAULT_KEY": shared["vault_key"],
               "COPILOT_API_RATE_BURST": str(RATE_BURST), "COPILOT_API_RATE_PER_MINUTE": str(RATE_PER_MINUTE),
               "COPILOT_API_LIVE_CHECK_SECONDS": str(LIVE_CHECK_SECONDS)}
        servers = [ServerProcess(instance_settings(folder / f"instance-{n}", shared), **env) for n in range(INSTANCES)]
        for server in servers:
            stack.callback(server.stop)
            server.launch()
        for server in servers:
            server.wait_ready()
        yield Fleet(servers, runtime, Tokens(runtime))
        runtime.db.dispose()
