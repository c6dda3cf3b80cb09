"""Exemplar layer of the injection guard: nearest attack exemplar vs nearest benign anchor, plus a linear probe.

Uses the process-wide all-MiniLM-L6-v2 embedder (copilot.embeddings) so a turn's message is embedded once for
the planner, the retriever and this guard. Exemplar vectors are cached on disk, keyed by the policy fingerprint.
The probe (scikit-learn logistic regression fitted on the same exemplars at start-up, ~50 ms) generalises to
paraphrases no single exemplar is close to; nearest-neighbour similarity explains which exemplar a text is like.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

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
    probe: float = 0.0                       # the linear probe's P(attack)


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
        self.probe_floor, self.probe_ceiling, self.probe_weight = map(float, policy.threshold("probe"))
        self._probe = LogisticRegression(C=8.0, max_iter=3000).fit(
            vectors, np.r_[np.ones(len(attacks)), np.zeros(len(benign))])

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
        probes = self._probe.predict_proba(vectors)[:, 1]
        out = []
        for row_a, row_b, probe in zip(to_attacks, to_benign, probes):
            best = int(np.argmax(row_a))
            attack, benign = float(row_a[best]), float(row_b.max())
            weight = max(self._weight(attack, benign), self._probe_weight(float(probe)))
            out.append(Similarity(attack, benign, self.families[best], weight, float(probe)))
        return out

    def _probe_weight(self, probe: float) -> float:
        """0 below the probe floor, rising to probe_weight at the ceiling (alone it decides only near certainty)."""
        span = (probe - self.probe_floor) / (self.probe_ceiling - self.probe_floor)
        return self.probe_weight * min(max(span, 0.0), 1.0)

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
