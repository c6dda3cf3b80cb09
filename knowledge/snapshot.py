"""An in-memory snapshot of the indexed chunks: which version of each document is in force, who may see it.

Loaded from the Chroma collection (not from the markdown), so a retriever talking to a Chroma server sees what
the server holds. The snapshot answers the filtering questions (audience, jurisdiction, effective date) once
per combination and carries the BM25 index over the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from knowledge.lexical import LexicalIndex

AUDIENCE_SEES: dict[str, tuple[str, ...]] = {"customer": ("customer",), "agent": ("customer", "agent")}


def visible_audiences(audience: str) -> tuple[str, ...]:
    """Customers see customer documents only; support agents see customer and agent-only documents."""
    try:
        return AUDIENCE_SEES[audience]
    except KeyError:
        raise ValueError(f"unknown audience {audience!r}: use one of {', '.join(AUDIENCE_SEES)}") from None


def jurisdiction_applies(doc_jurisdiction: str, asked: str | None) -> bool:
    """A US document applies to a US-CA question; a US-CA document does not apply to US-NY. None means any."""
    return asked is None or asked == doc_jurisdiction or asked.startswith(f"{doc_jurisdiction}-")


@dataclass(frozen=True)
class Row:
    """One indexed chunk as stored in Chroma: its id, its verbatim text and its metadata."""

    id: str
    text: str
    meta: dict

    @property
    def effective_date(self) -> date:
        return date.fromisoformat(self.meta["effective_date"])


class Snapshot:
    """Rows of one index revision, the BM25 index over them, and per-filter row masks."""

    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict], revision: str) -> None:
        self.revision = revision
        self.rows = [Row(cid, text, dict(meta)) for cid, text, meta in zip(ids, texts, metadatas)]
        self.row_of = {row.id: i for i, row in enumerate(self.rows)}
        self.lexical = LexicalIndex([f"{row.meta['header']}\n{row.text}" for row in self.rows])
        versions: dict[str, dict[str, Row]] = {}
        for row in self.rows:
            versions.setdefault(row.meta["doc_id"], {})[row.meta["doc_key"]] = row
        self._versions = {doc_id: sorted(by_key.values(), key=lambda r: r.effective_date)
                          for doc_id, by_key in versions.items()}
        self.allowed = lru_cache(maxsize=256)(self._allowed)

    def __len__(self) -> int:
        return len(self.rows)

    def in_force(self, on: date) -> dict[str, Row]:
        """doc id -> a row of the version in force on that day (the latest that took effect on or before it)."""
        current = {}
        for doc_id, versions in self._versions.items():
            started = [row for row in versions if row.effective_date <= on]
            if started:
                current[doc_id] = started[-1]
        return current

    def _allowed(self, audiences: tuple[str, ...], jurisdiction: str | None, on: date) -> tuple[frozenset[str],
                                                                                                np.ndarray]:
        """(doc keys, row mask) visible to these audiences in this jurisdiction on this day."""
        keys = frozenset(row.meta["doc_key"] for row in self.in_force(on).values()
                         if row.meta["audience"] in audiences
                         and jurisdiction_applies(row.meta["jurisdiction"], jurisdiction))
        mask = np.fromiter((row.meta["doc_key"] in keys for row in self.rows), dtype=bool, count=len(self.rows))
        return keys, mask

    def section_rows(self, citation: str, keys: frozenset[str]) -> list[Row]:
        """The rows of one cited section in an allowed document version, in reading order."""
        found = [row for row in self.rows if row.meta["citation"] == citation and row.meta["doc_key"] in keys]
        return sorted(found, key=lambda row: row.meta["ordinal"])
