"""Extractive answers from knowledge-base chunks: the few sentences that best answer the question, as written.

The offline provider never paraphrases policy: it quotes the bank's own sentences and cites where they are.
Scoring reuses the knowledge base's BM25 tokenizer, so "fees" in the question meets "fee" in the text.
"""

from __future__ import annotations

import math
import re

from copilot.context import KnowledgeHit
from knowledge.lexical import tokenize

CLOSE_SECOND = 0.8         # a second document is quoted only when it ranks nearly as high as the first
AMOUNT_QUESTION = re.compile(r"\b(how much|fee|fees|cost|costs|charge|rate|rates|apr|interest|limit|price)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _plain_lines(markdown: str) -> list[str]:
    """Markdown to plain statements: headings dropped, bullets and table rows turned into sentences."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or re.fullmatch(r"\|?[\s:|-]+\|?", line):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
            if len(cells) >= 2:
                line = f"{cells[0]}: {'; '.join(cells[1:])}."
        line = re.sub(r"^[-*+]\s+|^\d+\.\s+", "", line)
        line = re.sub(r"\*\*|__|`", "", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
        if line and line[-1] not in ".!?:":
            line += "."
        lines.append(line)
    return lines


def sentences(markdown: str) -> list[str]:
    return [s.strip() for line in _plain_lines(markdown) for s in SENTENCE.split(line) if len(s.split()) >= 3]


def best_sentences(query: str, hits: list[KnowledgeHit], limit: int = 3, chunks: int = 2) -> list[tuple[str, KnowledgeHit]]:
    """Up to `limit` sentences from the top `chunks` hits, most relevant first, each with its source hit."""
    wanted = set(tokenize([query])[0])
    scored = []
    docs = {h.doc_id for h in hits[:2] if hits and h.score >= CLOSE_SECOND * hits[0].score}
    for rank, hit in enumerate([h for h in hits if h.doc_id in docs][:chunks]):
        for position, sentence in enumerate(sentences(hit.text)):
            words = set(tokenize([sentence])[0])
            overlap = len(wanted & words)
            figures = 0.3 if AMOUNT_QUESTION.search(query) and re.search(r"[$%]\s?\d|\d\s?%", sentence) else 0
            score = overlap / math.sqrt(len(words) + 1) + (0.35 if rank == 0 else 0) + (0.1 if position == 0 else 0) \
                + figures
            scored.append((score, rank, position, sentence, hit))
    if not scored:
        return []
    scored.sort(key=lambda item: -item[0])
    chosen = scored[:limit]
    chosen.sort(key=lambda item: (item[1], item[2]))
    return [(sentence, hit) for _, _, _, sentence, hit in chosen]
