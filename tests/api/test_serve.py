"""`copilot serve`: demo tokens and links only in demo mode; stateless workers share conversations and metrics."""

from __future__ import annotations

import logging
import re
import shutil
import socket

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from copilot.api.app import create_app
from copilot.cli import serve as serve_module
from copilot.cli.main import app as cli_app
from copilot.runtime import Runtime
from copilot.store import Database
from tests.api.conftest import CUSTOMERS, make_runtime, say, start
from tests.api.server import running_server


@pytest.fixture
def cli_env(monkeypatch, cli_bank) -> list[dict]:
    """The CLI on the test's bank; uvicorn.run is recorded instead of serving."""
    calls: list[dict] = []
    monkeypatch.setattr(serve_module.uvicorn, "run",
                        lambda target, **kwargs: calls.append({"target": target, **kwargs}))
    return calls


def test_demo_mode_prints_a_working_link_per_persona_and_an_agent(cli_env, api_runtime):
    result = CliRunner().invoke(cli_app, ["serve", "--port", "8765", "--workers", "2"], env={"COPILOT_DEMO_MODE": "1"})
    assert result.exit_code == 0, result.output
    links = dict(re.findall(r"(demo-\w+|alice)\s.*?(http://127\.0\.0\.1:8765/\w+#token=cpt_[\w-]+)", result.output))
    assert sorted(links) == sorted([*CUSTOMERS, "alice"])
    assert "/assist#token=" in links["alice"] and "/chat#token=" in links["demo-sme"]
    [call] = cli_env
    assert {k: call[k] for k in ("target", "factory", "host", "port", "workers", "log_level", "access_log")} == {
        "target": "copilot.api.worker:create_app", "factory": True, "host": "127.0.0.1", "port": 8765, "workers": 2,
        "log_level": "warning", "access_log": False}
    assert "press Ctrl+C to stop" in result.output, "the server says how to stop it"
    with TestClient(create_app(runtime=api_runtime)) as client:
        token = links["demo-sme"].split("#token=")[1]
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["subject"] == "demo-sme"


def test_production_mode_prints_no_demo_tokens_only_a_first_admin(cli_env):
    production = {"COPILOT_DEMO_MODE": "false", "COPILOT_VAULT_KEY": Fernet.generate_key().decode()}
    first = CliRunner().invoke(cli_app, ["serve"], env=production)
    assert first.exit_code == 0, first.output
    assert "#token=" not in first.output and "minted one (shown once): cpt_" in first.output
    second = CliRunner().invoke(cli_app, ["serve"], env=production)
    assert "cpt_" not in second.output, "an admin token exists: nothing is printed"


def test_production_mode_without_a_vault_key_refuses_to_start_and_says_how_to_set_one(cli_env):
    refused = CliRunner().invoke(cli_app, ["serve"], env={"COPILOT_DEMO_MODE": "false", "COPILOT_VAULT_KEY": ""})
    assert refused.exit_code != 0 and cli_env == []
    assert "COPILOT_VAULT_KEY" in refused.output and "Fernet.generate_key()" in refused.output


def test_host_and_port_come_from_copilot_host_and_copilot_port(cli_env):
    result = CliRunner().invoke(cli_app, ["serve"], env={"COPILOT_HOST": "127.0.0.2", "COPILOT_PORT": "8766",
                                                         "COPILOT_LOG_LEVEL": "INFO"})
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.2:8766/chat#token=" in result.output, "the printed links use the chosen address"
    [call] = cli_env
    assert (call["host"], call["port"], call["log_level"]) == ("127.0.0.2", 8766, "info")
    assert call["log_config"]["loggers"]["copilot"]["level"] == "INFO", "the access log is on at INFO"


def test_a_taken_port_is_refused_with_how_to_pick_another_and_no_token_is_minted(cli_env, api_runtime):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve"], env={"COPILOT_PORT": str(port)})
    assert result.exit_code == 2 and cli_env == [], result.output
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "COPILOT_PORT=" in result.output and "--port" in result.output, "it says how to pick another"
    assert "Traceback" not in result.output and "#token=" not in result.output


def test_access_log_has_one_line_per_request_and_no_message_text(api_runtime, tokens, caplog):
    headers = tokens.customer()
    caplog.set_level(logging.INFO, logger="copilot.access")
    with TestClient(create_app(runtime=api_runtime)) as client:
        conversation = start(client, headers)
        say(client, headers, conversation, "what's my balance? my secret word is marmalade")
        client.get("/api/kb/search?q=marmalade", headers=tokens.agent())
    lines = [r.getMessage() for r in caplog.records if r.name == "copilot.access"]
    assert lines[0].startswith("POST /api/conversations 201 ") and lines[0].endswith(" ms"), lines
    assert len(lines) == 3 and lines[1].startswith(f"POST /api/conversations/{conversation}/messages 200 "), lines
    assert lines[2].startswith("GET /api/kb/search 200 "), lines
    assert not [line for line in lines if "marmalade" in line], "neither message text nor search words are logged"


def test_two_app_instances_on_one_database_serve_the_same_conversation(api_runtime, tokens):
    other = Runtime(api_runtime.settings)
    other.__dict__["db"] = Database(api_runtime.settings.db_url)     # its own engine, as another worker process has
    headers = tokens.customer()
    with TestClient(create_app(runtime=api_runtime)) as a, TestClient(create_app(runtime=other)) as client_b:
        client_b.post("/api/customers/demo-debt/consents", json={"scopes": ["cards:manage"]}, headers=headers)
        conversation = start(a, headers)
        proposed = say(client_b, headers, conversation, "freeze my card ending 3424")
        assert proposed["route"] == "confirm", "worker B sees the conversation and the consent granted through B"
        confirmed = a.post(f"/api/actions/{proposed['pending_action']['id']}/confirm", headers=headers).json()
        replay = client_b.post(f"/api/actions/{proposed['pending_action']['id']}/confirm", headers=headers).json()
        assert confirmed["replayed"] is False and replay["replayed"] is True
        assert len(client_b.get(f"/api/conversations/{conversation}", headers=headers).json()["messages"]) == 3


@pytest.mark.slow
def test_real_server_with_two_workers(tmp_path, bank_template, kb_chroma):
    runtime = make_runtime(tmp_path, bank_template, kb_chroma)
    chroma = shutil.copytree(kb_chroma, tmp_path / "chroma")          # another process: its own copy of the index
    with running_server(runtime.settings.data_dir, chroma, workers=2) as server:
        headers = {"Authorization": f"Bearer {server.token('demo-gig')}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            conversation = http.post("/api/conversations", json={"channel": "web"}).json()["id"]
            routes = [http.post(f"/api/conversations/{conversation}/messages?stream=false",
                                json={"text": text}).json()["route"] for text in ("hi", "what's my balance?") * 4]
            assert routes.count("answer") >= 4
            assert len(http.get(f"/api/conversations/{conversation}").json()["messages"]) == 16
            turns = sum(float(line.rsplit(" ", 1)[1]) for line in http.get("/metrics").text.splitlines()
                        if line.startswith("copilot_turns_total{"))
            assert turns == 8, "every worker's turns are on the one metrics page"
