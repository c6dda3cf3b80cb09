"""Foundation: settings errors say how to fix them, the CLI lists its commands, nothing downloads at run time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from copilot.cli.main import app
from copilot.config import ConfigError, load_settings
from tests.conftest import OutboundNetworkBlocked

cli = CliRunner()


@pytest.mark.parametrize("env, message", [
    ({"COPILOT_PROVIDER": "gpt4"}, "use 'offline' or 'openai:MODEL'"),
    ({"COPILOT_DATABASE_URL": "mysql://x"}, "use sqlite:///path.db or postgresql"),
    ({"COPILOT_CLOCK": "yesterday"}, "neither 'system' nor an ISO date"),
    ({"COPILOT_CONTEXT_BUDGET_TOKENS": "10"}, "COPILOT_CONTEXT_BUDGET_TOKENS"),
])
def test_bad_setting_fails_with_the_fix(monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings()
    result = cli.invoke(app, ["demo", "seed"])
    assert result.exit_code == 2
    assert message.split("'")[0] in result.output and "Traceback" not in result.output


def test_openai_provider_without_endpoint_says_what_to_set():
    settings = load_settings(provider="openai:gpt-4o-mini", openai_api_key="", openai_base_url="")
    with pytest.raises(ConfigError, match="COPILOT_OPENAI_API_KEY.*--provider offline"):
        settings.require_openai()


def test_help_lists_the_commands():
    result = cli.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "db"):
        assert command in result.output


def test_demo_seed_cli_on_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COPILOT_DEMO_AS_OF", "2026-11-27")
    first = cli.invoke(app, ["demo", "seed"])
    second = cli.invoke(app, ["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "created" in first.output and "already there" in second.output
    hash_line = [line for line in first.output.splitlines() if "content hash" in line]
    assert hash_line and hash_line[0] in second.output


def test_outbound_network_is_blocked_in_tests():
    import socket
    with pytest.raises(OutboundNetworkBlocked):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


OFFLINE_SCRIPT = textwrap.dedent("""
    import socket, sys
    attempts = []
    real = socket.socket.connect
    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("network is off")
        return real(self, address)
    socket.socket.connect = connect
    real_gai = socket.getaddrinfo
    def gai(host, *a, **k):
        if host not in ("127.0.0.1", "::1", "localhost", None):
            attempts.append(("dns", host))
            raise socket.gaierror("network is off")
        return real_gai(host, *a, **k)
    socket.getaddrinfo = gai

    from copilot.tokens import count_tokens
    assert count_tokens("How much did I spend on groceries?") > 5
    from copilot.embeddings import get_embedder
    assert get_embedder().encode(["freeze my card"]).shape == (1, 384)
    {extra}
    print("ATTEMPTS", attempts)
    sys.exit(1 if attempts else 0)
""")


def run_offline(tmp_path, extra: str = "") -> subprocess.CompletedProcess:
    """Run a snippet in a fresh process with empty caches and no network (a network namespace when possible)."""
    env = {**os.environ, "HOME": str(tmp_path), "TIKTOKEN_CACHE_DIR": str(tmp_path / "tiktoken"),
           "HF_HOME": str(tmp_path / "hf"), "COPILOT_DATA_DIR": str(tmp_path / "data")}
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(key, None)
    command = [sys.executable, "-c", OFFLINE_SCRIPT.format(extra=extra)]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_tokenizer_and_embeddings_load_with_no_network(tmp_path):
    result = run_offline(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ATTEMPTS []" in result.stdout
