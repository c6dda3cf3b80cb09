"""The scale-out path: a real Chroma server (`chroma run`) on a free loopback port, reached through HttpClient."""

from __future__ import annotations

import pytest

from knowledge import HybridRetriever, ingest
from tests.conftest import make_settings
from tests.services import ServiceError, chroma_binary
from tests.services import chroma_server as chroma_server_process


@pytest.fixture
def chroma_server(tmp_path):
    """(url, data folder) of a Chroma server started for this test and stopped after it."""
    if chroma_binary() is None:
        pytest.skip("the chroma command is not installed")
    folder = tmp_path / "server-data"
    try:
        with chroma_server_process(folder, tmp_path / "chroma.log") as url:
            yield url, folder
    except ServiceError as exc:
        pytest.fail(str(exc))


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
