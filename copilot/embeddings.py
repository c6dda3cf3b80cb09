"""Sentence embeddings from all-MiniLM-L6-v2 on onnxruntime (CPU, no torch, nothing downloaded).

The model is exported to ONNX once into the cache folder (copilot.export_embedder, run as a child process, so the
serving process never loads torch); after that a query costs ~4-10 ms on one thread, mean pooling and L2 norm here.
One thread per process: on 2 cores, more threads fight each other and other workers under load.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

from copilot.nlu.encoding import TOKENIZER_FILE
from copilot.offline import go_offline

DIMENSION = 384
MAX_TOKENS = 256            # the model's max_seq_length in sentence-transformers
EXPORTED = "all-minilm-l6-v2.onnx"
log = logging.getLogger(__name__)


class EmbedderMissing(RuntimeError):
    """The exported model is absent and cannot be made here; the message says how to provide it."""


def onnx_model(cache_dir: Path) -> Path:
    """The exported model, exporting it on first use in a child process (which needs the train extra)."""
    target = cache_dir / EXPORTED
    if target.exists():
        return target
    log.warning("exporting the embedding model to ONNX once: %s", target)
    done = subprocess.run([sys.executable, "-m", "copilot.export_embedder", str(target)], capture_output=True,
                          text=True)
    if done.returncode != 0 or not target.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EmbedderMissing(f"{target} is missing and could not be exported ({last}). Install the train extra "
                              f"(pip install '.[train]', as `make install` does) once, or copy the file from a "
                              f"machine that has it (COPILOT_CACHE_DIR chooses the folder).")
    return target


class Embedder:
    """Normalised 384-d embeddings; a small cache serves repeated queries (planner, guards and retriever share them)."""

    def __init__(self, cache_dir: Path) -> None:
        go_offline()
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(onnx_model(cache_dir)), options,
                                                     providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.concatenate([self._batch(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)])

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return _cached_query(self, text)


@lru_cache(maxsize=4096)
def _cached_query(embedder: Embedder, text: str) -> np.ndarray:
    vector = embedder.encode([text])[0]
    vector.setflags(write=False)
    return vector


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    from copilot.config import get_settings

    return Embedder(get_settings().cache_dir)
