"""Resilience fixtures: private copies of the demo bank and of the KB index, the API in-process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.api.settings import ApiSettings
from copilot.config import Settings
from copilot.runtime import Runtime
from tests.api.conftest import Tokens, kb_chroma  # noqa: F401 - the session's KB index, cached between runs
from tests.conftest import make_settings


@pytest.fixture(scope="session")
def bank_db(tmp_path_factory) -> Path:
    """The seeded demo bank (SQLite file) made once per session, without building a KB index."""
    folder = tmp_path_factory.mktemp("resilience-bank")
    runtime = Runtime(make_settings(folder))
    runtime.seed_demo()
    runtime.db.dispose()
    return folder / "data" / "copilot.db"


def private_bank(folder: Path, bank_db: Path, chroma: Path, **overrides) -> Settings:
    """Settings on a private copy of the demo bank and of the KB index under folder/data."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(bank_db, data / "copilot.db")
    shutil.copytree(chroma, data / "chroma")
    return make_settings(folder, **overrides)


@pytest.fixture
def bank(tmp_path, bank_db, kb_chroma) -> Settings:
    return private_bank(tmp_path, bank_db, kb_chroma)


def app_client(runtime: Runtime, **api) -> TestClient:
    """The API in-process on this runtime, rate limits out of the way."""
    return TestClient(create_app(runtime=runtime, api_settings=ApiSettings(rate_per_minute=60_000, rate_burst=10_000,
                                                                           **api)))


@pytest.fixture
def api(bank) -> Iterator[tuple[TestClient, Tokens]]:
    runtime = Runtime(bank)
    with app_client(runtime) as client:
        yield client, Tokens(runtime)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
