"""The knowledge index failing under a running API: corrupted in place, deleted, replaced by a foreign collection.
Chat keeps answering (200) with cited facts or an honest "I don't know", never a 5xx or a traceback, and the
index comes back on its own (rebuilt from the corpus, or picked up once someone re-ingests)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from copilot.config import Settings
from copilot.runtime import Runtime
from knowledge import HybridRetriever, ingest
from knowledge.retriever import Tuning
from knowledge.store import forget_embedded
from tests.api.conftest import Tokens, start
from tests.conftest import make_settings
from tests.knowledge.conftest import FIXTURE_DOCS
from tests.resilience.conftest import app_client

QUESTION = "how much does a replacement card cost?"


@pytest.fixture
def mini_bank(tmp_path, bank_db) -> Settings:
    """A private demo bank whose KB index holds the seven-document fixture corpus (quick to rebuild)."""
    (tmp_path / "data").mkdir()
    shutil.copy(bank_db, tmp_path / "data" / "copilot.db")
    settings = make_settings(tmp_path)
    ingest(settings, FIXTURE_DOCS)
    return settings


def serve(settings: Settings):
    """The API in-process over the fixture corpus; the retriever re-checks its index at every search."""
    runtime = Runtime(settings)
    runtime.__dict__["retriever"] = HybridRetriever(settings, FIXTURE_DOCS, Tuning(refresh_seconds=0.0))
    return app_client(runtime), Tokens(runtime)


def ask(client, headers) -> dict:
    conversation = start(client, headers)
    response = client.post(f"/api/conversations/{conversation}/messages?stream=false", json={"text": QUESTION},
                           headers=headers)
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    turn = response.json()
    assert turn["answer"] and "search_knowledge" in [t["name"] for t in turn["tools"]], turn
    return turn


def cited(turn: dict) -> bool:
    return any(c.startswith("card-fees#") for c in turn["citations"]) and "$5" in turn["answer"]


@pytest.fixture
def running(mini_bank) -> Iterator[tuple]:
    context, tokens = serve(mini_bank)
    with context as client:
        headers = tokens.customer("demo-debt")
        assert cited(ask(client, headers)), "the healthy index answers with a citation"
        yield client, headers


def test_an_index_corrupted_in_place_is_moved_aside_and_rebuilt(running, mini_bank):
    client, headers = running
    for path in mini_bank.chroma_dir.glob("*.sqlite3"):
        with open(path, "r+b") as handle:                       # same inode: the server's open file goes bad
            handle.write(b"this is not a database" * 200)
            handle.flush()
            os.fsync(handle.fileno())
    first = ask(client, headers)
    assert cited(first) or first["route"] in ("answer", "handoff")
    assert cited(ask(client, headers)), "the rebuilt index answers with a citation again"
    assert list(mini_bank.chroma_dir.parent.glob("chroma.corrupt-*")), "the corrupt index is kept aside"


def test_an_index_deleted_under_the_server_keeps_answering_and_is_rebuilt_on_restart(running, mini_bank):
    client, headers = running
    shutil.rmtree(mini_bank.chroma_dir)
    assert cited(ask(client, headers)), "the open index keeps serving"
    forget_embedded(mini_bank.chroma_dir)                       # a restarted process starts without it
    shutil.rmtree(mini_bank.chroma_dir, ignore_errors=True)
    context, tokens = serve(mini_bank)
    with context as restarted:
        assert cited(ask(restarted, tokens.customer("demo-gig"))), "the missing index is rebuilt from the corpus"
    assert (mini_bank.chroma_dir / "chroma.sqlite3").exists()


def replace_with_a_foreign_collection(settings: Settings) -> None:
    """Someone else's collection where the knowledge index was: `get_collection` refuses it."""
    forget_embedded(settings.chroma_dir)
    shutil.rmtree(settings.chroma_dir)
    foreign = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    foreign.create_collection(settings.kb_collection, embedding_function=None).add(
        ids=["x"], embeddings=[np.ones(384)], documents=["someone else's data"])


def test_an_unusable_index_gets_an_honest_answer_until_it_is_rebuilt(running, mini_bank):
    client, headers = running
    replace_with_a_foreign_collection(mini_bank)
    turn = ask(client, headers)
    assert not cited(turn) and "$5" not in turn["answer"], "nothing is invented while the index is unusable"
    assert turn["route"] in ("answer", "handoff") and not turn["citations"]
    answer = turn["answer"]                                      # plain words: no exception names, no tool jargon
    assert "Error" not in answer and "tool" not in answer.lower() and "nothing was changed" not in answer, answer
    ingest(mini_bank, FIXTURE_DOCS, rebuild=True)                # the operator's fix: `copilot kb ingest --rebuild`
    assert cited(ask(client, headers)), "the rebuilt index is picked up without a restart"

