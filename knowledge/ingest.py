"""Ingestion: corpus -> chunks -> embeddings -> Chroma, incrementally by content hash.

A chunk's id is a hash of its text and metadata, so re-ingesting embeds only chunks that are new or changed,
deletes chunks whose document changed or disappeared, and leaves everything else alone. The collection's
metadata carries a revision (a hash of all chunk ids) that running retrievers watch to reload themselves.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chromadb.api.models.Collection import Collection

from copilot.config import Settings
from copilot.embeddings import get_embedder
from knowledge.chunking import Chunk, chunk_document
from knowledge.corpus import DOCS_DIR, load_corpus
from knowledge.embedding import CopilotMiniLM
from knowledge.screening import current, verdict
from knowledge.store import collection_metadata, create_collection, get_collection, open_client

log = logging.getLogger(__name__)
BATCH = 64
Progress = Callable[[int, int], None]          # (chunks embedded so far, chunks to embed)


@dataclass
class IngestReport:
    """What one ingestion did; `embedded` counts chunks sent to the model."""

    documents: int
    chunks: int
    embedded: int
    unchanged: int
    removed: int
    seconds: float
    embed_seconds: float                                      # embedding and writing only (model already loaded)
    changed_docs: list[str] = field(default_factory=list)     # doc keys (id@version) that were (re)embedded
    removed_docs: list[str] = field(default_factory=list)     # doc keys no longer in the corpus

    @property
    def chunks_per_second(self) -> float:
        """Ingest throughput: chunks embedded and stored per second, model loading excluded."""
        return self.embedded / self.embed_seconds if self.embedded and self.embed_seconds else 0.0


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Chroma metadata (scalars only) that lets a hit be filtered and cited without reading the document."""
    doc = chunk.doc
    return {"doc_id": doc.id, "doc_key": doc.key, "title": doc.title, "doc_type": doc.type, "version": doc.version,
            "effective_date": doc.effective_date.isoformat(), "jurisdiction": doc.jurisdiction,
            "audience": doc.audience, "section": chunk.section, "slug": chunk.slug, "citation": chunk.citation,
            "ordinal": chunk.ordinal, "header": chunk.header, "source": doc.source}


def revision_of(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def _existing(collection: Collection) -> dict[str, dict]:
    """id -> metadata of every chunk already in the collection."""
    stored = collection.get(include=["metadatas"])
    return {cid: dict(meta or {}) for cid, meta in zip(stored["ids"], stored["metadatas"] or [])}


def _screened_metadata(chunk: Chunk) -> dict[str, str | int | bool]:
    return {**chunk_metadata(chunk), **verdict(f"{chunk.doc.title}\n{chunk.section}\n{chunk.text}")}


def _rescreen(collection: Collection, chunks: list[Chunk]) -> None:
    """Stored chunks screened under another policy (or never): screened again, their vectors kept."""
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start:start + BATCH]
        collection.update(ids=[c.id for c in batch], metadatas=[_screened_metadata(c) for c in batch])


def _embed_and_add(collection: Collection, chunks: list[Chunk], progress: Progress | None) -> None:
    """Embed in batches of similar length (less padding, so faster) and store each batch as it is done."""
    embed = CopilotMiniLM()
    chunks = sorted(chunks, key=lambda c: len(c.embed_text))
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start:start + BATCH]
        collection.add(ids=[c.id for c in batch], documents=[c.text for c in batch],
                       metadatas=[_screened_metadata(c) for c in batch], embeddings=embed([c.embed_text for c in batch]))
        if progress:
            progress(start + len(batch), len(chunks))


def ingest(settings: Settings, docs_dir: Path = DOCS_DIR, *, rebuild: bool = False,
           progress: Progress | None = None) -> IngestReport:
    """Bring the collection in line with the corpus in docs_dir; with rebuild, drop it and embed everything."""
    started = time.perf_counter()
    documents = load_corpus(docs_dir)
    chunks = {c.id: c for doc in documents for c in chunk_document(doc)}
    client = open_client(settings)
    collection = create_collection(client, settings, replace=rebuild)
    existing = {} if rebuild else _existing(collection)
    stale = [cid for cid in existing if cid not in chunks]
    fresh = [chunk for cid, chunk in chunks.items() if cid not in existing]
    if stale:
        collection.delete(ids=stale)
    _rescreen(collection, [chunks[cid] for cid, meta in existing.items() if cid in chunks and not current(meta)])
    if fresh:
        get_embedder()                                        # load the model before the throughput clock starts
    embed_started = time.perf_counter()
    _embed_and_add(collection, fresh, progress)
    embed_seconds = time.perf_counter() - embed_started
    revision = revision_of(list(chunks))
    collection.modify(metadata=collection_metadata(revision, documents=len(documents), chunks=len(chunks)))
    keys = {doc.key for doc in documents}
    report = IngestReport(documents=len(documents), chunks=len(chunks), embedded=len(fresh),
                          unchanged=len(chunks) - len(fresh), removed=len(stale),
                          seconds=time.perf_counter() - started, embed_seconds=embed_seconds,
                          changed_docs=sorted({c.doc.key for c in fresh}),
                          removed_docs=sorted({str(existing[cid].get("doc_key", "")) for cid in stale} - keys))
    log.info("knowledge ingest %s: %d documents, %d chunks, %d embedded, %d unchanged, %d removed in %.1fs "
             "(revision %s)", settings.kb_collection, report.documents, report.chunks, report.embedded,
             report.unchanged, report.removed, report.seconds, revision)
    return report


def ensure_index(settings: Settings, docs_dir: Path = DOCS_DIR) -> IngestReport | None:
    """Ingest when the collection is missing or empty (first run, fresh clone); None when it is already there."""
    collection = get_collection(open_client(settings), settings)
    if collection is not None and collection.count() > 0:
        return None
    log.warning("knowledge index %s is %s: ingesting %s now", settings.kb_collection,
                "missing" if collection is None else "empty", docs_dir)
    return ingest(settings, docs_dir)
