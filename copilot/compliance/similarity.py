"""Exemplar layer of the injection guard: nearest attack exemplar vs nearest benign anchor, plus a linear probe.

Uses the process-wide all-MiniLM-L6-v2 embedder (copilot.embeddings) so a turn's message is embedded once for
the planner, the retriever and this guard. Exemplar vectors are cached on disk, keyed by the policy fingerprint.
The probe is a logistic regression over the same embeddings, trained offline on the development halves of public
prompt-injection / jailbreak corpora plus this repository's sets and intent examples (evals/guard/train_probe.py)
and shipped as prompts/compliance/probe.json (384 weights + bias, reviewable text). It generalises to paraphrases
no single exemplar is close to; nearest-neighbour similarity explains which exemplar a text is like. Without a
probe file the probe is fitted on the exemplars at start-up (~50 ms), as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from copilot.agent.intents import load_examples
from copilot.compliance.policy import POLICY_DIR, Policy
from copilot.embeddings import get_embedder

WHOLE_WORDS = 180                    # up to here one embedding of the whole message (shared with the planner)
WINDOW_WORDS = 120
MAX_WINDOWS = 8
SHORT_WORDS = 3                      # up to here a message is too short for the probe to block it alone
NEAR_CUSTOMER = 0.8                  # this close to a known customer message, the probe alone cannot block
OWN_BANKING = re.compile(r"\b(my|our) (own |last |latest |recent |current |next |monthly |new |old |joint |business )?"
                         r"(statements?|accounts?|cards?|balances?|transactions?|payments?|bills?|budgets?|loans?|mortgage|"
                         r"savings|salary|paycheck|pay|transfers?|direct debits?|standing orders?|overdraft|pin|app|"
                         r"spending|debts?|subscriptions?|fees?|rent|goals?|refunds?|disputes?|purchases?|deposits?|passcode|password|"
                         r"login|log-?in|identity|id|passport|selfie|money|funds|cash|pounds|euros|dollars)\b|"
                         r"\b(verify|prove|confirm|identify) (my ?self|who i am|my identity)\b|"
                         r"\b(password|passcode|pin|login)\b.{0,30}\b(app|online banking|account|card)\b|"
                         r"\b(GBP|USD|EUR|AUD|CAD|NZD|JPY|CHF|MXN|PLN|SEK|NOK|DKK|HKD|SGD|INR)\b.{0,60}\b(GBP|USD|EUR|AUD|CAD|NZD|"
                         r"JPY|CHF|MXN|PLN|SEK|NOK|DKK|HKD|SGD|INR|convert|exchange|change|swap)\b",
                         re.IGNORECASE)
SCAM_CHECK = re.compile(r"\b(is (this|that|it) (really )?(legit|legitimate|real|genuine|safe|a scam|a fraud|fraud|phishing|you|from you)|"
                        r"(was|were) (this|that|it) (really )?(you|legit|real|genuine|a scam)|"
                        r"(got|received|receiving|getting) (a|an|this|that|some|these|those|two|several) (weird |strange |suspicious |odd )?"
                        r"(texts?|sms|calls?|phone calls?|emails?|e-mails?|messages?|letters?|voicemails?|whatsapps?)|"
                        r"(someone|somebody|a (man|woman|guy|person|caller)) (called|texted|emailed|messaged|rang|phoned))\b",
                        re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


@dataclass(frozen=True)
class Similarity:
    """Nearest attack and benign exemplars for one text, and the weight this layer gives the attack reading."""

    attack: float
    benign: float
    family: str
    weight: float
    probe: float = 0.0                       # the linear probe's P(attack)
    nearest: float = 0.0                     # the weight from the nearest exemplars alone (no probe)


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
        anchors = [text for texts in data["benign"].values() for text in texts]
        benign = anchors + load_examples()[0]          # the planner's intent examples: ordinary customer messages
        vectors = self._vectors(attacks + benign)
        self.attacks, self.benign = vectors[: len(attacks)], vectors[len(attacks):]
        vectors = vectors[: len(attacks) + len(anchors)]
        self.strong = float(policy.threshold("similarity_strong"))
        self.floor = float(policy.threshold("similarity_floor"))
        self.margin = float(policy.threshold("similarity_margin"))
        self.probe_floor, self.probe_ceiling, self.probe_weight = map(float, policy.threshold("probe"))
        shipped = _shipped_probe(policy)
        if shipped is not None:
            self._coef, self._bias = shipped
        else:
            fitted = LogisticRegression(C=8.0, max_iter=3000).fit(vectors, np.r_[np.ones(len(attacks)), np.zeros(len(benign))])
            self._coef, self._bias = fitted.coef_[0].astype(np.float32), float(fitted.intercept_[0])

    @staticmethod
    def _vectors(texts: list[str]) -> np.ndarray:
        fingerprint = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
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

    def score(self, vectors: np.ndarray, texts: list[str] | None = None) -> list[Similarity]:
        """One Similarity per row of `vectors` (normalised embeddings of `texts`).

        The probe alone may block only a text of more than SHORT_WORDS words that is not within NEAR_CUSTOMER of a
        known customer message and does not talk about the customer's own banking ("my statement", "my card") or ask whether a call, text or email they got was genuine;
        otherwise it counts half, so a pattern or a near exemplar must agree."""
        if len(vectors) == 0:
            return []
        texts = texts or [""] * len(vectors)
        to_attacks, to_benign = vectors @ self.attacks.T, self._nearest_benign(vectors)
        probes = self.probe(vectors)
        out = []
        for row_a, row_b, probe, text in zip(to_attacks, to_benign, probes, texts):
            best = int(np.argmax(row_a))
            attack, benign = float(row_a[best]), float(row_b)
            customer_like = (bool(text) and len(text.split()) <= SHORT_WORDS) or benign >= NEAR_CUSTOMER \
                or bool(OWN_BANKING.search(text) or SCAM_CHECK.search(text))
            damp = 0.5 if customer_like else 1.0
            nearest = self._weight(attack, benign)
            weight = max(nearest, damp * self._probe_weight(float(probe)))
            out.append(Similarity(attack, benign, self.families[best], weight, float(probe), nearest))
        return out

    def _nearest_benign(self, vectors: np.ndarray) -> np.ndarray:
        """Best cosine to a benign anchor per row, in blocks of 256 anchors: a small product stays on OpenBLAS's
        single-threaded path, which on a busy 2-core machine is ~20x faster than its threaded one for 1 x 2000."""
        return np.max([(vectors @ self.benign[i:i + 256].T).max(axis=1) for i in range(0, len(self.benign), 256)],
                      axis=0)

    def probe(self, vectors: np.ndarray) -> np.ndarray:
        """P(attack) of the linear probe for each row of `vectors`."""
        return 1.0 / (1.0 + np.exp(-(vectors @ self._coef + self._bias)))

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


def _shipped_probe(policy: Policy) -> tuple[np.ndarray, float] | None:
    """(weights, bias) from probe.json beside the policy (else the shipped one); None when there is none."""
    for path in (policy.directory / "probe.json", POLICY_DIR / "probe.json"):
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return np.asarray(data["weights"], dtype=np.float32), float(data["bias"])
    return None


@lru_cache(maxsize=4)
def exemplar_index(policy: Policy) -> ExemplarIndex:
    return ExemplarIndex(policy)
