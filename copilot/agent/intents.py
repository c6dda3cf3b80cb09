"""Intent classifier: MiniLM sentence embeddings + logistic regression over the versioned example set.

The examples live in prompts/intents/examples.yaml (data, not code). The fitted model is cached on disk
(joblib), keyed by the examples' content hash, so a warm start costs milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

from copilot.config import PROJECT_ROOT, Settings
from copilot.embeddings import get_embedder

EXAMPLES = PROJECT_ROOT / "prompts" / "intents" / "examples.yaml"


@dataclass(frozen=True)
class IntentScore:
    intent: str
    confidence: float


def load_examples(path: Path = EXAMPLES) -> tuple[list[str], list[str], dict[str, str]]:
    """(texts, labels, descriptions) from the YAML example set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, labels, descriptions = [], [], {}
    for intent, body in data["intents"].items():
        descriptions[intent] = body.get("description", "")
        for example in body["examples"]:
            texts.append(str(example))
            labels.append(intent)
    return texts, labels, descriptions


class IntentClassifier:
    """Ranks intents for a message; probabilities come from a multinomial logistic regression."""

    def __init__(self, texts: list[str], labels: list[str], cache_dir: Path | None = None) -> None:
        self.embedder = get_embedder()
        self.model = self._fitted(texts, labels, cache_dir)
        self.labels: list[str] = list(self.model.classes_)
        self._lock = threading.Lock()

    def _fitted(self, texts: list[str], labels: list[str], cache_dir: Path | None) -> LogisticRegression:
        """The classifier for exactly these examples, fitted once and kept on disk (keyed by their content)."""
        key = hashlib.sha256("\n".join(f"{label}\t{text}" for text, label in zip(texts, labels)).encode())
        path = cache_dir / f"intent-model-{key.hexdigest()[:16]}.joblib" if cache_dir else None
        if path and path.exists():
            return joblib.load(path)
        model = LogisticRegression(C=12.0, max_iter=2000).fit(self.embedder.encode(texts), labels)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            joblib.dump(model, tmp)
            tmp.replace(path)
        return model

    def rank(self, text: str, top: int = 3) -> list[IntentScore]:
        vector = self.embedder.encode_one(text).reshape(1, -1)
        with self._lock:
            probabilities = self.model.predict_proba(vector)[0]
        order = np.argsort(probabilities)[::-1][:top]
        return [IntentScore(self.labels[i], float(probabilities[i])) for i in order]

    def rank_many(self, texts: list[str]) -> list[IntentScore]:
        """Top intent for each text (batch; used by the held-out evaluation)."""
        probabilities = self.model.predict_proba(self.embedder.encode(texts))
        return [IntentScore(self.labels[i], float(p[i])) for p, i in zip(probabilities, probabilities.argmax(1))]


@lru_cache(maxsize=2)
def get_classifier(cache_dir: Path) -> IntentClassifier:
    texts, labels, _ = load_examples()
    return IntentClassifier(texts, labels, cache_dir)


def classifier_for(settings: Settings) -> IntentClassifier:
    return get_classifier(settings.cache_dir)
