"""Shared fixtures: no outbound network, fresh databases (SQLite and PostgreSQL), the seeded demo bank, temp Chroma."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from datetime import date
from pathlib import Path

import pytest

from copilot.bench.scratch import scratch_database
from copilot.config import Settings, load_settings
from copilot.offline import go_offline
from copilot.runtime import Runtime

AS_OF = date(2026, 11, 27)                    # the demo bank's last day in tests
CLOCK = "2026-11-28T10:00:00+00:00"           # the bank's frozen clock in tests
POSTGRES_ADMIN_URL = os.environ.get("COPILOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

go_offline()


# --- no outbound network ------------------------------------------------------------------------------
class OutboundNetworkBlocked(RuntimeError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if not isinstance(address, tuple):          # unix socket path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise OutboundNetworkBlocked(f"test tried to reach {address!r}: outbound network is blocked in tests")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise OutboundNetworkBlocked(f"test tried to reach {address!r}: outbound network is blocked in tests")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch):
    """Every test fails on a real outbound connection (loopback and unix sockets are allowed)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


# --- settings and databases ------------------------------------------------------------------------------
def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(data_dir=tmp_path / "data", clock=CLOCK, demo_as_of=AS_OF, provider="offline")
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A data folder made once per test session: the seeded demo bank (SQLite) and the built KB index (Chroma)."""
    from knowledge.ingest import ingest

    folder = tmp_path_factory.mktemp("template")
    settings = make_settings(folder)
    runtime = Runtime(settings)
    runtime.seed_demo()
    runtime.db.dispose()
    ingest(settings)
    return folder / "data"


@pytest.fixture
def seeded_sqlite_template(seeded_template) -> Path:
    return seeded_template / "copilot.db"


@pytest.fixture
def runtime(tmp_path, seeded_template) -> Runtime:
    """A Runtime on a fresh copy of the seeded demo bank (SQLite) and of the KB index."""
    shutil.copytree(seeded_template, tmp_path / "data")
    return Runtime(make_settings(tmp_path))


def postgres_available() -> str | None:
    """None when the PostgreSQL server answers, else the reason it does not."""
    import psycopg

    url = POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as exc:                                   # noqa: BLE001 - any failure means "skip"
        return f"no PostgreSQL server at {POSTGRES_ADMIN_URL}: {str(exc).splitlines()[0]}"


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards (skipped when there is no server)."""
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    with scratch_database(POSTGRES_ADMIN_URL, "copilot_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_settings(request, tmp_path) -> Settings:
    """Settings on a fresh empty database: once on SQLite, once on the real PostgreSQL server."""
    if request.param == "sqlite":
        return make_settings(tmp_path)
    return make_settings(tmp_path, database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def chroma_dir(tmp_path) -> Path:
    path = tmp_path / "chroma"
    path.mkdir()
    return path
