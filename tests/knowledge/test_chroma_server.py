"""The scale-out path: a real Chroma server (`chroma run`) on a free loopback port, reached through HttpClient."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from knowledge import HybridRetriever, ingest
from tests.conftest import make_settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """(url, data folder) of a Chroma server started for this test and stopped after it."""
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if binary is None:
        pytest.skip("the chroma command is not installed")
    folder, port = tmp_path / "server-data", _free_port()
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen([binary, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_ingest_and_search_through_a_chroma_server(tmp_path, mini_docs, chroma_server):
    url, folder = chroma_server
    settings = make_settings(tmp_path, chroma_url=url)
    first = ingest(settings, mini_docs)
    assert first.embedded == first.chunks > 0
    assert ingest(settings, mini_docs).embedded == 0                   # incremental over HTTP too
    retriever = HybridRetriever(settings, mini_docs)
    result = retriever.search("how much does a replacement card cost")
    assert result.answerable and result.hits[0].citation == "card-fees#replacement-cards"
    assert "agent-callbacks" not in {h.doc_id for h in retriever.search("verification steps push approval").hits}
    assert retriever.search("verification steps push approval", audience="agent").hits[0].doc_id == "agent-callbacks"
    assert (folder / "chroma.sqlite3").exists() and not settings.chroma_dir.exists()
