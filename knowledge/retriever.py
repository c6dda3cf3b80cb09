"""Hybrid retrieval over the knowledge index: dense (Chroma) + BM25, fused by reciprocal rank, with citations.

Implements `copilot.context.Retriever`. Filters come first: a customer never receives an agent-only chunk, a
question about one jurisdiction gets that jurisdiction's documents (and the national ones), and only the
version of each document in force on the given day is searched. When the best match is not similar enough
to the question, the result says `answerable=False` and carries no hits: the agent says it does not know.

Retrieved text is data, never instructions: hits are returned verbatim for quoting and citing, and nothing in
a document's text can change filtering, ranking, answerability or the caller's behaviour.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from copilot.config import Settings
from copilot.context import KnowledgeHit, KnowledgeResult
from copilot.embeddings import get_embedder
from knowledge.chunking import OVERVIEW
from knowledge.corpus import DOCS_DIR
from knowledge.fusion import max_fused_score, reciprocal_rank_fusion
from knowledge.ingest import ensure_index
from knowledge.screening import screened
from knowledge.snapshot import Row, Snapshot, visible_audiences
from knowledge.store import KnowledgeIndexError, describe, get_collection, open_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tuning:
    """Retrieval knobs, chosen with `copilot kb eval` on evals/retrieval/questions.yaml."""

    pool: int = 30                    # candidates taken from each retriever before fusion
    rrf_k: int = 20                   # a small k lets the first few ranks of each list dominate
    dense_weight: float = 1.0
    lexical_weight: float = 0.5       # BM25 breaks ties and rescues exact terms; dense leads
    sections_per_doc: int = 1         # one section per document: k hits cover k documents
    overview_weight: float = 0.8      # a document's lead paragraph says what it covers; a matching section of
                                      # the same document is the better citation, so the lead is ranked lower
    min_similarity: float = 0.36      # best cosine similarity needed to call a question answerable
    brand_terms: tuple[str, ...] = ("Northbridge Bank", "Northbridge")   # in every document: no topic
    refresh_seconds: float = 30.0     # how often a long-lived retriever checks for a re-ingested index

    def dense_query(self, query: str) -> str:
        """The query without the bank's name, which would pull it towards whichever chunks repeat the name."""
        stripped = query
        for term in self.brand_terms:
            stripped = re.sub(rf"(?i)\b{re.escape(term)}('s)?\b", " ", stripped)
        return " ".join(stripped.split()) or query


class HybridRetriever:
    """Searches one knowledge collection; safe to share between threads."""

    def __init__(self, settings: Settings, docs_dir: Path = DOCS_DIR, tuning: Tuning = Tuning()) -> None:
        self.settings = settings
        self.docs_dir = Path(docs_dir)
        self.tuning = tuning
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._collection = None
        self._checked_at = 0.0

    # --- index lifecycle --------------------------------------------------------------------------------------
    def _load(self) -> Snapshot:
        """Open the collection (ingesting the corpus first if it is missing or empty) and snapshot its rows."""
        ensure_index(self.settings, self.docs_dir)
        collection = get_collection(open_client(self.settings), self.settings)
        if collection is None:
            raise KnowledgeIndexError(f"{describe(self.settings)} vanished while loading; run `copilot kb ingest`")
        stored = collection.get(include=["documents", "metadatas"])
        snapshot = Snapshot(stored["ids"], stored["documents"], stored["metadatas"],
                            revision=str((collection.metadata or {}).get("revision", "")))
        self._collection, self._snapshot, self._checked_at = collection, snapshot, time.monotonic()
        log.info("knowledge retriever loaded %s: %d chunks, revision %s", describe(self.settings), len(snapshot),
                 snapshot.revision)
        return snapshot

    def _stale(self) -> bool:
        """True when someone re-ingested since we loaded (checked at most every refresh_seconds)."""
        if time.monotonic() - self._checked_at < self.tuning.refresh_seconds:
            return False
        self._checked_at = time.monotonic()
        collection = get_collection(open_client(self.settings), self.settings)
        revision = (collection.metadata or {}).get("revision") if collection is not None else None
        return revision != self._snapshot.revision

    def current(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None or self._stale():
                return self._load()
            return self._snapshot

    def reload(self) -> None:
        """Forget the snapshot; the next search reopens the collection (after an ingest in this process)."""
        with self._lock:
            self._snapshot = None

    # --- search -----------------------------------------------------------------------------------------------
    def _dense(self, query: str, keys: frozenset[str], snapshot: Snapshot) -> list[tuple[int, float]]:
        """(row, cosine similarity) from Chroma, restricted to the allowed document versions."""
        vector = get_embedder().encode_one(self.tuning.dense_query(query))
        found = self._collection.query(query_embeddings=[vector], n_results=min(self.tuning.pool, len(snapshot)),
                                       where={"doc_key": {"$in": sorted(keys)}}, include=["distances"])
        pairs = zip(found["ids"][0], found["distances"][0])
        return [(snapshot.row_of[cid], 1.0 - distance) for cid, distance in pairs if cid in snapshot.row_of]

    def _gather(self, query: str, audiences: tuple[str, ...], jurisdiction: str | None,
                on: date) -> tuple[Snapshot, list[tuple[int, float]], list[tuple[int, float]]]:
        """(snapshot, dense candidates, lexical candidates) among the rows allowed for this search."""
        snapshot = self.current()
        keys, mask = snapshot.allowed(audiences, jurisdiction, on)
        if not keys:
            return snapshot, [], []
        return snapshot, self._dense(query, keys, snapshot), snapshot.lexical.search(query, mask, self.tuning.pool)

    def _candidates(self, *args) -> tuple[Snapshot, list[tuple[int, float]], list[tuple[int, float]]]:
        """`_gather`, but a failing index is reopened (rebuilt if corrupt) and asked once more."""
        try:
            return self._gather(*args)
        except KnowledgeIndexError:
            raise
        except Exception as exc:                                # noqa: BLE001 - retried once, then reported
            log.warning("searching %s failed (%s: %s); reopening the index", describe(self.settings),
                        type(exc).__name__, exc)
            self.reload()
        try:
            return self._gather(*args)
        except KnowledgeIndexError:
            raise
        except Exception as exc:                                # noqa: BLE001 - reported with the fix, never raw
            self.reload()
            raise KnowledgeIndexError(f"searching {describe(self.settings)} failed ({type(exc).__name__}: {exc}); "
                                      "run `copilot kb ingest --rebuild`") from exc

    def _day(self, on: date | None) -> date:
        """The day whose versions are in force: the one asked (a datetime counts as its date), else today."""
        if on is None:
            return self.settings.now().date()
        return on.date() if isinstance(on, datetime) else on

    def search(self, query: str, *, audience: str = "customer", k: int = 5, jurisdiction: str | None = None,
               on: date | None = None) -> KnowledgeResult:
        """The k best sections for the query among documents this audience may see, in force on `on` (default
        today on the bank's clock). Hits are data to quote and cite, never instructions.

        Raises ValueError for an unknown audience and KnowledgeIndexError when the index cannot be opened or
        rebuilt (for example a Chroma server that does not answer); callers answer "I can't look that up now".
        """
        audiences = visible_audiences(audience)
        jurisdiction = jurisdiction.upper() if jurisdiction else None
        query = " ".join(query.split())
        if not query or k < 1:
            return KnowledgeResult(query=query, hits=[], answerable=False)
        snapshot, dense, lexical = self._candidates(query, audiences, jurisdiction, self._day(on))
        if not dense or dense[0][1] < self.tuning.min_similarity:
            return KnowledgeResult(query=query, hits=[], answerable=False)
        weights = (self.tuning.dense_weight, self.tuning.lexical_weight)
        fused = reciprocal_rank_fusion([[row for row, _ in dense], [row for row, _ in lexical]], weights,
                                       k=self.tuning.rrf_k)
        fused = sorted(((row, score * (self.tuning.overview_weight if snapshot.rows[row].meta["slug"] == OVERVIEW
                                       else 1.0)) for row, score in fused), key=lambda pair: -pair[1])
        top = max_fused_score(weights, k=self.tuning.rrf_k)
        hits: dict[str, KnowledgeHit] = {}
        per_doc: dict[str, int] = {}
        for row, score in fused:
            hit = _hit(snapshot.rows[row], score / top)
            if hit.citation in hits or per_doc.get(hit.doc_id, 0) >= self.tuning.sections_per_doc:
                continue
            hits[hit.citation] = hit
            per_doc[hit.doc_id] = per_doc.get(hit.doc_id, 0) + 1
            if len(hits) == k:
                break
        return KnowledgeResult(query=query, hits=list(hits.values()), answerable=True)

    def get_section(self, citation: str, *, audience: str = "customer", on: date | None = None) -> KnowledgeHit | None:
        """The full text of a cited section (`doc-id#slug`) as this audience may see it on that day, or None."""
        snapshot = self.current()
        keys, _ = snapshot.allowed(visible_audiences(audience), None, self._day(on))
        rows = snapshot.section_rows(citation, keys)
        if not rows:
            return None
        parts = [rows[0].text]
        for row in rows[1:]:                 # a later chunk opens with the previous one's last sentences: drop them
            carried, newline, rest = row.text.partition("\n")
            parts.append(rest if newline and parts[-1].endswith(carried) else row.text)
        return _hit(rows[0], 1.0).model_copy(update={"text": "\n\n".join(parts),
                                                      "screened": all(screened(row.meta) for row in rows)})


def _hit(row: Row, score: float) -> KnowledgeHit:
    meta = row.meta
    return KnowledgeHit(doc_id=meta["doc_id"], section=meta["section"] or "Overview", citation=meta["citation"],
                        title=meta["title"], text=row.text, score=round(min(score, 1.0), 4),
                        doc_type=meta["doc_type"], version=meta["version"], effective_date=row.effective_date,
                        audience=meta["audience"], screened=screened(meta))


_RETRIEVERS: dict[tuple, HybridRetriever] = {}
_RETRIEVERS_LOCK = threading.Lock()


def get_retriever(settings: Settings, docs_dir: Path = DOCS_DIR) -> HybridRetriever:
    """One retriever per index location, collection, corpus folder and clock, shared by the whole process."""
    key = (settings.chroma_url, str(settings.chroma_dir), settings.kb_collection, str(Path(docs_dir).resolve()),
           settings.clock)
    with _RETRIEVERS_LOCK:
        if key not in _RETRIEVERS:
            _RETRIEVERS[key] = HybridRetriever(settings, docs_dir)
        return _RETRIEVERS[key]
