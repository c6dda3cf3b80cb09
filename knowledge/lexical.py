"""Keyword side of hybrid retrieval: a BM25 index over chunk text, built with bm25s.

bm25s is a maintained, numpy-only BM25 (Lucene scoring) that indexes a few hundred chunks in milliseconds, so
the index is rebuilt in memory from the Chroma collection whenever the collection changes, never stored.
Tokens are folded with the Harman "S" stemmer (plural endings only): it needs no stemming library, and it
is conservative enough not to merge words such as "card" and "cardholder". A few UK banking words that
customers use ("cheque", "cashpoint") are read as the US words the corpus uses.
"""

from __future__ import annotations

import bm25s
import numpy as np

STOPWORDS = "en_plus"        # NLTK-style English list: drops "how", "do", "my" that BM25 would weigh


def fold(word: str) -> str:
    """Harman (1991) S-stemmer: companies -> company, fees -> fee, charges -> charge, but bus, glass stay."""
    if len(word) > 3 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


US_WORDS = {"cheque": "check", "cashpoint": "atm", "postcode": "zip"}   # UK banking words, as the corpus says them


def _fold_all(words: list[str]) -> list[str]:
    folded = [fold(word) for word in words]
    return [US_WORDS.get(word, word) for word in folded]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lowercased word tokens without English stopwords, plural-folded."""
    return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=_fold_all, return_ids=False, show_progress=False)


class LexicalIndex:
    """BM25 over a fixed list of texts; search returns (row, score) for rows allowed by a mask."""

    def __init__(self, texts: list[str]) -> None:
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokenize(texts), show_progress=False)
        self._size = len(texts)

    def scores(self, query: str) -> np.ndarray:
        tokens = tokenize([query])[0]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return self._bm25.get_scores(tokens)

    def search(self, query: str, mask: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k best-scoring allowed rows with a positive score, best first."""
        scores = np.where(mask, self.scores(query), 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(row), float(scores[row])) for row in top if scores[row] > 0]
