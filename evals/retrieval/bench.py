"""Benchmark of the knowledge index on this machine: ingest throughput and query latency (cold and warm).

Runs on a throwaway embedded index so it never touches the real one. "Cold" queries embed a question the
process has not seen (the model runs); "warm" queries repeat them, so the embedding comes from the shared
cache and the figure is the retriever's own cost (Chroma query, BM25, fusion). The load average is recorded: on a
busy 2-core machine every figure is slower.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from copilot.config import Settings
from copilot.embeddings import get_embedder
from evals.retrieval.scorer import Question, load_questions
from knowledge import DOCS_DIR, HybridRetriever, ingest


def _timed(retriever: HybridRetriever, questions: list[Question]) -> np.ndarray:
    timings = []
    for question in questions:
        started = time.perf_counter()
        retriever.search(question.q, audience=question.audience, on=question.as_of)
        timings.append((time.perf_counter() - started) * 1000)
    return np.array(timings)


def benchmark(settings: Settings, docs_dir: Path = DOCS_DIR, questions: list[Question] | None = None) -> dict:
    """Figures for the report: chunks/s of a full (re)ingest, and p50/p95 ms of cold and warm searches."""
    questions = questions or load_questions()
    load_before = os.getloadavg()[0]
    get_embedder()                                             # model loading is not part of either figure
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as folder:
        scratch = settings.model_copy(update={"data_dir": Path(folder), "chroma_path": None, "chroma_url": ""})
        report = ingest(scratch, docs_dir, rebuild=True)
        retriever = HybridRetriever(scratch, docs_dir)
        retriever.search("warm up the index")
        cold, warm = _timed(retriever, questions), _timed(retriever, questions)
    return {
        "chunks": report.embedded, "ingest_seconds": round(report.embed_seconds, 2),
        "ingest_chunks_per_s": round(report.chunks_per_second, 1), "queries": len(questions),
        "query_p50_ms": round(float(np.percentile(cold, 50)), 1), "query_p95_ms": round(float(np.percentile(cold, 95)), 1),
        "warm_query_p50_ms": round(float(np.percentile(warm, 50)), 1),
        "warm_query_p95_ms": round(float(np.percentile(warm, 95)), 1),
        "load_average": round(max(load_before, os.getloadavg()[0]), 2), "cpus": os.cpu_count(),
    }
