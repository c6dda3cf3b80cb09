"""Retrieval latency (cold and warm queries) and ingest throughput, through evals/retrieval/bench.py.

The knowledge owner's benchmark does the measuring on a throwaway index; this adapter picks the corpus and the
questions (a slice of both with --quick) and reshapes the figures for the bench table.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from copilot.config import Settings
from evals.retrieval.bench import benchmark
from evals.retrieval.scorer import load_questions
from knowledge import DOCS_DIR

QUICK_DOCS = 8


def _subset(folder: Path, count: int) -> Path:
    """A corpus folder holding the first `count` documents (in path order), keeping their sub-folders."""
    for source in sorted(DOCS_DIR.rglob("*.md"))[:count]:
        target = folder / source.relative_to(DOCS_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return folder


def retrieval(settings: Settings, questions: int | None, documents: int | None) -> dict:
    """Figures on `questions` questions of the retrieval set and `documents` documents (None: all of them)."""
    asked = load_questions()[:questions] if questions else load_questions()
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as folder:
        docs = _subset(Path(folder), documents) if documents else DOCS_DIR
        figures = benchmark(settings, docs, asked)
    return {"query_cold": {"unit": "ms", "n": figures["queries"], "median": figures["query_p50_ms"],
                           "p95": figures["query_p95_ms"]},
            "query_warm": {"unit": "ms", "n": figures["queries"], "median": figures["warm_query_p50_ms"],
                           "p95": figures["warm_query_p95_ms"]},
            "ingest_chunks_per_s": figures["ingest_chunks_per_s"], "ingest_chunks": figures["chunks"],
            "ingest_seconds": figures["ingest_seconds"], "load_average": figures["load_average"]}
