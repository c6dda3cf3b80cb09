"""Scores a retriever on the retrieval question set: recall@k, MRR, unanswerable detection and latency.

Recall@k is per question the share of its relevant documents found in the top k hits, averaged; MRR uses the
rank of the first relevant document (0 when none is in the top k); a question the retriever calls unanswerable
returns no hits and so scores 0 on both. Unanswerable detection is the share of out-of-scope questions the
retriever flags `answerable=False`; false refusals are in-scope questions it flagged that way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from copilot.context import KnowledgeResult, Retriever

QUESTIONS = Path(__file__).resolve().parent / "questions.yaml"
RECALL_GATE = 0.90


@dataclass(frozen=True)
class Question:
    id: str
    q: str
    docs: tuple[str, ...] = ()
    unanswerable: bool = False
    audience: str = "customer"
    as_of: date | None = None             # search the versions in force that day ("on" is a YAML boolean)
    jurisdiction: str | None = None
    version: str | None = None            # the version that must be cited (effective-date questions)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read and check the question set: unique ids, and every answerable question names its documents."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    known = set(Question.__dataclass_fields__)
    for entry in entries:
        unknown = sorted(str(key) for key in entry if key not in known)
        if unknown:
            raise ValueError(f"{path}: question {entry.get('id')!r} has unknown fields {unknown}; known: {sorted(known)}")
    questions = [Question(**{**entry, "docs": tuple(entry.get("docs", ()))}) for entry in entries]
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise ValueError(f"{path}: question id {question.id!r} is used twice")
        seen.add(question.id)
        if question.unanswerable == bool(question.docs):
            raise ValueError(f"{path}: question {question.id!r} needs either docs or unanswerable: true")
    return questions


@dataclass
class Outcome:
    """How the retriever did on one question."""

    question: Question
    result: KnowledgeResult
    latency_ms: float

    def relevant(self, doc_id: str, version: str) -> bool:
        return doc_id in self.question.docs and self.question.version in (None, version)

    @property
    def found(self) -> set[str]:
        return {hit.doc_id for hit in self.result.hits if self.relevant(hit.doc_id, hit.version)}

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.question.docs)

    @property
    def reciprocal_rank(self) -> float:
        ranks = [i for i, hit in enumerate(self.result.hits, start=1) if self.relevant(hit.doc_id, hit.version)]
        return 1.0 / ranks[0] if ranks else 0.0


@dataclass
class Scorecard:
    k: int
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.unanswerable]

    @property
    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.unanswerable]

    def summary(self) -> dict[str, float]:
        latencies = np.array([o.latency_ms for o in self.outcomes])
        return {
            "questions": len(self.answerable), "unanswerable_questions": len(self.unanswerable),
            f"recall@{self.k}": _mean([o.recall for o in self.answerable]),
            "mrr": _mean([o.reciprocal_rank for o in self.answerable]),
            "unanswerable_detection": _mean([not o.result.answerable for o in self.unanswerable]),
            "false_refusals": _mean([not o.result.answerable for o in self.answerable]),
            "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies.size else 0.0,
            "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies.size else 0.0,
        }

    def misses(self) -> list[Outcome]:
        """Answerable questions with a relevant document missing, and unanswerable ones that got an answer."""
        return [o for o in self.outcomes
                if (o.question.unanswerable and o.result.answerable) or (not o.question.unanswerable and o.recall < 1)]

    def passed(self, gate: float = RECALL_GATE) -> bool:
        return self.summary()[f"recall@{self.k}"] >= gate


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def evaluate(retriever: Retriever, questions: list[Question], k: int = 5) -> Scorecard:
    """Ask every question once (after one warm-up search) and time each search."""
    retriever.search("warm up", k=k)
    card = Scorecard(k=k)
    for question in questions:
        started = time.perf_counter()
        result = retriever.search(question.q, audience=question.audience, k=k, jurisdiction=question.jurisdiction,
                                  on=question.as_of)
        card.outcomes.append(Outcome(question, result, (time.perf_counter() - started) * 1000))
    return card
