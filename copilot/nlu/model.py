"""The understanding model at run time: the shipped int8 ONNX on onnxruntime (no torch), one reading per message.

A reading holds the dialogue act, the probability of every action and topic, and the spans (values) found.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from copilot.nlu.encoding import Span, decode_spans, encode

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "understanding.int8.onnx"
META_FILE = "understanding.json"


class ModelMissing(FileNotFoundError):
    """The shipped model file is absent; the message says how to rebuild it."""


@dataclass(frozen=True)
class Reading:
    """What the model read off one message."""

    text: str
    act: str
    act_confidence: float
    actions: dict[str, float] = field(default_factory=dict)
    topics: dict[str, float] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    acts: dict[str, float] = field(default_factory=dict)

    def spans_of(self, *labels: str) -> list[Span]:
        return [s for s in self.spans if s.label in labels]

    def likely(self, scores: dict[str, float], floor: float = 0.5) -> list[str]:
        return [name for name, p in sorted(scores.items(), key=lambda kv: -kv[1]) if p >= floor]

    def to_dict(self) -> dict:
        keep = lambda scores: {k: round(v, 3) for k, v in scores.items() if v >= 0.05}   # noqa: E731
        return {"act": self.act, "act_confidence": round(self.act_confidence, 3), "actions": keep(self.actions),
                "topics": keep(self.topics), "spans": [s.__dict__ for s in self.spans]}


class Understanding:
    """Loads the model once per process; `read()` is thread-safe."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        import onnxruntime

        path = model_dir / MODEL_FILE
        if not path.exists():
            raise ModelMissing(f"{path} is missing: rebuild it with `copilot nlu train`")
        self.meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def compute(self, text: str) -> Reading:
        """One message read on its own, uncached. Never batched: int8 dynamic quantisation scales activations per
        run, so a message read in a batch would not read as it does at run time."""
        batch = encode([text or " "])
        with self._lock:
            acts, actions, topics, tags = (out[0] for out in self._session.run(None, {"ids": batch.ids, "mask": batch.mask}))
        meta = self.meta
        best = int(acts.argmax())
        return Reading(
            text=text, act=meta["acts"][best], act_confidence=float(acts[best]),
            acts={a: float(p) for a, p in zip(meta["acts"], acts)},
            actions={a: float(p) for a, p in zip(meta["actions"], actions)},
            topics={t: float(p) for t, p in zip(meta["topics"], topics)},
            spans=tuple(decode_spans(text, batch.offsets[0], tuple(meta["tags"]), tags)))

    def read(self, text: str) -> Reading:
        return _cached_read(self, text)

    def read_many(self, texts: list[str]) -> list[Reading]:
        return [self.read(text) for text in texts]


@lru_cache(maxsize=2048)
def _cached_read(model: Understanding, text: str) -> Reading:
    return model.compute(text)


def configured_dir() -> Path:
    """COPILOT_NLU_MODEL_DIR when set, else the model shipped in the package."""
    from copilot.config import get_settings

    return get_settings().nlu_model_dir or MODEL_DIR


@lru_cache(maxsize=1)
def get_understanding() -> Understanding:
    """The process's model."""
    return Understanding(configured_dir())
