"""Exemplar layer of the injection guard: cosine similarity to versioned attack exemplars vs benign anchors.

Uses the process-wide all-MiniLM-L6-v2 embedder (copilot.embeddings) so a turn's message is embedded once for
the planner, the retriever and this guard. Exemplar vectors are cached on disk, keyed by the policy fingerprint.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from copilot.compliance.policy import Policy
from copilot.embeddings import get_embedder

WHOLE_WORDS = 180                    # up to here one embedding of the whole message (shared with the planner)
WINDOW_WORDS = 120
MAX_WINDOWS = 8
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


@dataclass(frozen=True)
class Similarity:
    """Nearest attack and benign exemplars for one text, and the weight this layer gives the attack reading."""

    attack: float
    benign: float
    family: str
    weight: float


def windows(text: str) -> list[str]:
    """The text itself, or, past what MiniLM reads (256 word pieces), sentence-aligned windows of ~WINDOW_WORDS words."""
    if len(text.split()) <= WHOLE_WORDS:
        return [text]
    out, current = [], []
    for sentence in filter(None, (s.strip() for s in SENTENCE_END.split(text))):
        words = sentence.split()
        while words:
            room = WINDOW_WORDS - len(current)
            current.extend(words[:room])
            words = words[room:]
            if len(current) >= WINDOW_WORDS:
                out.append(" ".join(current))
                current = []
    if current:
        out.append(" ".join(current))
    return out[: MAX_WINDOWS - 2] + out[-2:] if len(out) > MAX_WINDOWS else out


def _cache_dir() -> Path:
    return Path(os.environ.get("COPILOT_CACHE_DIR") or Path.home() / ".cache" / "copilot")


class ExemplarIndex:
    """Attack exemplars (by family) and benign anchors from prompts/compliance/exemplars.yaml, embedded once."""

    def __init__(self, policy: Policy) -> None:
        data = policy.data("exemplars")
        self.families = [family for family, texts in data["attacks"].items() for _ in texts]
        attacks = [text for texts in data["attacks"].values() for text in texts]
        benign = [text for texts in data["benign"].values() for text in texts]
        vectors = self._vectors(attacks + benign, policy.fingerprint)
        self.attacks, self.benign = vectors[: len(attacks)], vectors[len(attacks):]
        self.strong = float(policy.threshold("similarity_strong"))
        self.floor = float(policy.threshold("similarity_floor"))
        self.margin = float(policy.threshold("similarity_margin"))

    @staticmethod
    def _vectors(texts: list[str], fingerprint: str) -> np.ndarray:
        path = _cache_dir() / f"guard-exemplars-{fingerprint}.npy"
        if path.exists():
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached
        vectors = get_embedder().encode(texts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError:                      # a read-only home only costs a re-embed next start
            pass
        return vectors

    def score(self, vectors: np.ndarray) -> list[Similarity]:
        """One Similarity per row of `vectors` (normalised embeddings)."""
        if len(vectors) == 0:
            return []
        to_attacks, to_benign = vectors @ self.attacks.T, vectors @ self.benign.T
        out = []
        for row_a, row_b in zip(to_attacks, to_benign):
            best = int(np.argmax(row_a))
            attack, benign = float(row_a[best]), float(row_b.max())
            out.append(Similarity(attack, benign, self.families[best], self._weight(attack, benign)))
        return out

    def _weight(self, attack: float, benign: float) -> float:
        """Strong similarity counts alone; between floor and strong it counts only when it beats benign by the margin."""
        if attack >= self.strong and attack > benign:
            return 0.95
        if attack < self.floor or attack - benign < self.margin:
            return 0.0
        return 0.3 + 0.6 * (attack - self.floor) / (self.strong - self.floor)


@lru_cache(maxsize=4)
def exemplar_index(policy: Policy) -> ExemplarIndex:
    return ExemplarIndex(policy)
