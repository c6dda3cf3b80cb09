"""API fixtures: an app on a private copy of the seeded demo bank (sharing the session's knowledge index), tokens."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from copilot.api.app import create_app
from copilot.api.auth import mint
from copilot.api.settings import ApiSettings
from copilot.runtime import Runtime
from tests.conftest import AS_OF, CLOCK, make_settings

CUSTOMERS = ("demo-debt", "demo-newjob", "demo-gig", "demo-traveler", "demo-sme")


@pytest.fixture(scope="session")
def kb_chroma(seeded_template) -> Path:
    """The session's knowledge index (read-only here): shared, so every app in the session shares one retriever."""
    return seeded_template / "chroma"


@pytest.fixture(scope="session")
def bank_template(seeded_template) -> Path:
    """The session's seeded demo bank; each test works on its own copy."""
    return seeded_template / "copilot.db"


def make_runtime(folder: Path, template: Path, chroma: Path, **overrides) -> Runtime:
    """A Runtime on a private copy of the seeded demo bank, sharing the session's knowledge index."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, data / "copilot.db")
    if (template.parent / "vault.key").exists():         # the key the demo bank's phone secrets were sealed with
        shutil.copy(template.parent / "vault.key", data / "vault.key")
    return Runtime(make_settings(folder, chroma_path=chroma, **overrides))


@pytest.fixture
def api_runtime(tmp_path, bank_template, kb_chroma) -> Runtime:
    return make_runtime(tmp_path, bank_template, kb_chroma)


@pytest.fixture
def cli_bank(monkeypatch, api_runtime, kb_chroma) -> Runtime:
    """`copilot` commands run in this test work on the test's bank (COPILOT_* environment); returns its runtime."""
    for key, value in {"COPILOT_DATA_DIR": str(api_runtime.settings.data_dir), "COPILOT_CHROMA_PATH": str(kb_chroma),
                       "COPILOT_CLOCK": CLOCK, "COPILOT_DEMO_AS_OF": AS_OF.isoformat()}.items():
        monkeypatch.setenv(key, value)
    return api_runtime


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings(rate_per_minute=6000, rate_burst=1000, max_body_bytes=16_000)


@pytest.fixture
def client(api_runtime, api_settings) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=api_runtime, api_settings=api_settings)) as test_client:
        yield test_client


@dataclass
class Tokens:
    """Mints tokens on the test's bank and hands back ready Authorization headers."""

    runtime: Runtime

    def headers(self, role: str, subject: str, *, days: int | None = 1) -> dict[str, str]:
        with self.runtime.db.session() as session:
            secret, _ = mint(session, role, subject, now=self.runtime.settings.now(), days=days)
        return {"Authorization": f"Bearer {secret}"}

    def customer(self, customer_id: str = "demo-debt") -> dict[str, str]:
        return self.headers("customer", customer_id)

    def agent(self, name: str = "alice") -> dict[str, str]:
        return self.headers("support_agent", name)

    def admin(self) -> dict[str, str]:
        return self.headers("admin", "root")


@pytest.fixture
def tokens(api_runtime) -> Tokens:
    return Tokens(api_runtime)


def start(client: TestClient, headers: dict) -> str:
    """A new web conversation for the token's customer."""
    response = client.post("/api/conversations", json={"channel": "web"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def say(client: TestClient, headers: dict, conversation_id: str, text: str, **extra) -> dict:
    """One turn in JSON mode; fails with the server's message when it is not a 200."""
    response = client.post(f"/api/conversations/{conversation_id}/messages?stream=false",
                           json={"text": text, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def sse_event(block: str) -> tuple[str, dict] | None:
    """(event, data) of one server-sent-events block (the lines between blank lines); None for a comment or ping."""
    lines = block.replace("\r\n", "\n").strip("\n").split("\n")
    name = next((line[6:].strip() for line in lines if line.startswith("event:")), None)
    data = [line[5:].lstrip() for line in lines if line.startswith("data:")]
    return (name, json.loads("\n".join(data))) if name and data else None


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]["code"]


def metric(client: TestClient, name: str, **labels: str) -> float:
    """The current value of one sample on /metrics (0 when it has not been recorded yet)."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0
