"""Index lifecycle: built on first use, rebuilt when corrupt, clear errors for a foreign collection or a dead server."""

from __future__ import annotations

import logging
import shutil
import socket
from concurrent.futures import ThreadPoolExecutor

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from knowledge import HybridRetriever, KnowledgeIndexError, ingest
from knowledge.retriever import Tuning
from knowledge.store import create_collection, forget_embedded, open_client
from tests.conftest import make_settings


def test_a_missing_index_is_built_on_first_search(settings, mini_docs, caplog):
    with caplog.at_level(logging.WARNING, logger="knowledge"):
        result = HybridRetriever(settings, mini_docs).search("replacement card fee")
    assert result.answerable and result.hits[0].doc_id == "card-fees"
    assert any("is missing: ingesting" in record.getMessage() for record in caplog.records)


def test_an_empty_collection_is_filled_on_first_search(settings, mini_docs, caplog):
    create_collection(open_client(settings), settings)
    with caplog.at_level(logging.WARNING, logger="knowledge"):
        assert HybridRetriever(settings, mini_docs).search("replacement card fee").answerable
    assert any("is empty: ingesting" in record.getMessage() for record in caplog.records)


def test_a_corrupt_index_is_moved_aside_and_rebuilt(settings, mini_docs, caplog):
    ingest(settings, mini_docs)
    forget_embedded(settings.chroma_dir)              # what a fresh process would see
    (settings.chroma_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.ERROR, logger="knowledge"):
        result = HybridRetriever(settings, mini_docs).search("replacement card fee")
    assert result.answerable and result.hits[0].doc_id == "card-fees"
    assert list(settings.chroma_dir.parent.glob("chroma.corrupt-*"))
    assert any("could not be opened" in record.getMessage() for record in caplog.records)


def test_a_foreign_collection_is_a_clear_error_until_rebuilt(settings, mini_docs):
    client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection(settings.kb_collection, embedding_function=None).add(
        ids=["x"], embeddings=[np.ones(384)], documents=["someone else's data"])
    with pytest.raises(KnowledgeIndexError, match="was not built by `copilot kb ingest`.*--rebuild"):
        HybridRetriever(settings, mini_docs).search("replacement card fee")
    report = ingest(settings, mini_docs, rebuild=True)
    assert report.embedded == report.chunks
    assert HybridRetriever(settings, mini_docs).search("replacement card fee").answerable


def test_an_unreachable_server_is_a_clear_error(tmp_path, mini_docs):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(tmp_path, chroma_url=f"http://127.0.0.1:{port}")
    with pytest.raises(KnowledgeIndexError, match="does not answer.*chroma run --path"):
        HybridRetriever(settings, mini_docs).search("replacement card fee")


def test_a_bad_server_url_is_a_clear_error(tmp_path):
    with pytest.raises(KnowledgeIndexError, match="not a server URL"):
        open_client(make_settings(tmp_path, chroma_url="ftp://example"))


def test_a_retriever_survives_its_index_being_swapped_underneath(settings, mini_docs, caplog):
    retriever = HybridRetriever(settings, mini_docs)
    assert retriever.search("replacement card fee").answerable
    forget_embedded(settings.chroma_dir)              # its Chroma system is stopped, as after a rebuild elsewhere
    with caplog.at_level(logging.WARNING, logger="knowledge"):
        assert retriever.search("replacement card fee").hits[0].doc_id == "card-fees"
    assert any("reopening the index" in record.getMessage() for record in caplog.records)


def test_an_index_corrupted_under_a_running_retriever_is_rebuilt(settings, mini_docs):
    retriever = HybridRetriever(settings, mini_docs, Tuning(refresh_seconds=0))
    assert retriever.search("replacement card fee").answerable
    with open(settings.chroma_dir / "chroma.sqlite3", "r+b") as handle:      # same inode: the open file goes bad
        handle.write(b"this is not a database" * 200)
    result = retriever.search("replacement card fee")
    assert result.answerable and result.hits[0].doc_id == "card-fees"
    assert list(settings.chroma_dir.parent.glob("chroma.corrupt-*"))


def test_an_index_deleted_under_a_running_retriever_is_rebuilt_for_every_thread(settings, mini_docs):
    retriever = HybridRetriever(settings, mini_docs, Tuning(refresh_seconds=0))
    assert retriever.search("replacement card fee").answerable
    shutil.rmtree(settings.chroma_dir)
    with ThreadPoolExecutor(max_workers=1) as fresh_thread:   # Chroma opens one SQLite connection per thread
        result = fresh_thread.submit(retriever.search, "replacement card fee").result()
    assert result.answerable and result.hits[0].doc_id == "card-fees"
    assert (settings.chroma_dir / "chroma.sqlite3").exists(), "the deleted index is rebuilt from the corpus"
