"""Exemplar layer of the input guard: nearest attack exemplar vs nearest benign anchor, plus linear heads.

Uses the process-wide all-MiniLM-L6-v2 embedder (copilot.embeddings) so a turn's message is embedded once for
the planner, the retriever and this guard. Exemplar vectors are cached on disk, keyed by the policy fingerprint.
The heads are logistic regressions over the same embeddings, trained offline (evals/guard/train_probe.py) and
shipped as prompts/compliance/probe.json (384 weights + bias each, reviewable text):
- the injection probe (top level): P(injection or jailbreak), from public injection/jailbreak corpora;
- `harm`: P(the text asks for a harmful goal: fraud, laundering, account takeover, malware, weapons ...), whether
  asked plainly or carried inside a story, a role, a hypothetical or an iterative rewrite (PAIR-style); a fiction
  or role frame (exemplars.yaml `frames`) lowers the bar it must reach;
- `customer` (one hidden layer): P(an ordinary customer or assistant request), which keeps the injection probe
  from blocking alone.
They generalise to paraphrases no single exemplar is close to; nearest-neighbour similarity explains which exemplar a
text is like.
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

from copilot.compliance.anchors import benign_anchor_texts
from copilot.compliance.policy import POLICY_DIR, Policy
from copilot.embeddings import get_embedder

WHOLE_WORDS = 180                    # up to here one embedding of the whole message (shared with the planner)
WINDOW_WORDS = 120
MAX_WINDOWS = 8
SHORT_WORDS = 3                      # up to here a message is too short for the probe to block it alone
NEAR_CUSTOMER = 0.8                  # this close to a known customer message, the probe alone cannot block
CUSTOMER_LIKE = 0.8                  # the customer head's P from which the injection probe alone cannot block
HARM_RAMP = (0.7, 0.9)               # harm head P: weight 0 at the first, 1 at the second (alone it blocks at 0.82)
FRAMED_HARM_RAMP = (0.6, 0.85)       # the same inside a story, role or hypothetical frame (blocks alone at 0.75)
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
    harm: float = 0.0                        # the harm head's P(harmful goal)
    harm_weight: float = 0.0                 # the weight this layer gives the harmful-goal reading
    framed: bool = False                     # a story, role or hypothetical frame was found
    damped: bool = False                     # read as a customer's own message: the learned layers count half, once

    @property
    def weights(self) -> list[float]:
        """What this layer adds to the noisy-or: both readings, or for a damped text only the stronger one."""
        return [max(self.weight, self.harm_weight)] if self.damped else [self.weight, self.harm_weight]

    @property
    def strength(self) -> float:
        """The readings together (noisy-or), to pick a text's most telling window."""
        return 1.0 - float(np.prod([1.0 - w for w in self.weights]))


@dataclass(frozen=True)
class Head:
    """A head over normalised embeddings: P = sigmoid(x @ weights + bias), x the embeddings themselves (linear) or
    their ReLU hidden layer (`hidden` = (matrix, bias), one-hidden-layer perceptron)."""

    weights: np.ndarray
    bias: float
    hidden: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        if self.hidden is not None:
            vectors = np.maximum(vectors @ self.hidden[0] + self.hidden[1], 0.0)
        return 1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias)))


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
        benign = anchors + benign_anchor_texts()       # ordinary customer messages (the planner's intent examples)
        vectors = self._vectors(attacks + benign)
        self.attacks, self.benign = vectors[: len(attacks)], vectors[len(attacks):]
        self.strong = float(policy.threshold("similarity_strong"))
        self.floor = float(policy.threshold("similarity_floor"))
        self.margin = float(policy.threshold("similarity_margin"))
        self.probe_floor, self.probe_ceiling, self.probe_weight = map(float, policy.threshold("probe"))
        heads = _shipped_heads(policy)
        self.probe, self._harm, self._customer = heads["injection"], heads.get("harm"), heads.get("customer")
        self.frames = re.compile("|".join(data.get("frames") or [r"(?!)"]), re.IGNORECASE)

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

        The injection probe alone may block only a text of more than SHORT_WORDS words that is not within
        NEAR_CUSTOMER of a known customer message, that the customer head does not read as an ordinary request, and
        that does not talk about the customer's own banking ("my statement", "my card") or ask whether a call, text
        or email they got was genuine; otherwise it counts half, so a pattern or a near exemplar must agree. The
        harm head is halved by the same tests (and then the two count once, not twice); it needs less inside a
        story, role or hypothetical frame."""
        if len(vectors) == 0:
            return []
        texts = texts or [""] * len(vectors)
        to_attacks, to_benign = vectors @ self.attacks.T, self._nearest_benign(vectors)
        probes = self.probe(vectors)
        harms = self._harm(vectors) if self._harm else np.zeros(len(vectors))
        ordinary = self._customer(vectors) >= CUSTOMER_LIKE if self._customer else np.zeros(len(vectors), bool)
        out = []
        for row_a, row_b, probe, harm, usual, text in zip(to_attacks, to_benign, probes, harms, ordinary, texts):
            best = int(np.argmax(row_a))
            attack, benign = float(row_a[best]), float(row_b)
            customer_like = (bool(text) and len(text.split()) <= SHORT_WORDS) or benign >= NEAR_CUSTOMER \
                or bool(OWN_BANKING.search(text) or SCAM_CHECK.search(text))
            nearest = self._weight(attack, benign)
            damp = 0.5 if customer_like or usual else 1.0
            weight = max(nearest, damp * self._probe_weight(float(probe)))
            framed = bool(text and self.frames.search(text))
            harm_weight = damp * _ramp(float(harm), FRAMED_HARM_RAMP if framed else HARM_RAMP)
            out.append(Similarity(attack, benign, self.families[best], weight, float(probe), nearest, float(harm),
                                  harm_weight, framed, damp < 1.0))
        return out

    def _nearest_benign(self, vectors: np.ndarray) -> np.ndarray:
        """Best cosine to a benign anchor per row, in blocks of 256 anchors: a small product stays on OpenBLAS's
        single-threaded path, which on a busy 2-core machine is ~20x faster than its threaded one for 1 x 2000."""
        return np.max([(vectors @ self.benign[i:i + 256].T).max(axis=1) for i in range(0, len(self.benign), 256)],
                      axis=0)

    def _probe_weight(self, probe: float) -> float:
        """0 below the probe floor, rising to probe_weight at the ceiling (alone it decides only near certainty)."""
        return self.probe_weight * _ramp(probe, (self.probe_floor, self.probe_ceiling))

    def _weight(self, attack: float, benign: float) -> float:
        """Strong similarity counts alone; between floor and strong it counts only when it beats benign by the margin."""
        if attack >= self.strong and attack > benign:
            return 0.95
        if attack < self.floor or attack - benign < self.margin:
            return 0.0
        return 0.3 + 0.6 * (attack - self.floor) / (self.strong - self.floor)


def _ramp(value: float, span: tuple[float, float]) -> float:
    """0 at or below span[0], rising linearly to 1 at span[1]."""
    return min(max((value - span[0]) / (span[1] - span[0]), 0.0), 1.0)


def _shipped_heads(policy: Policy) -> dict[str, Head]:
    """The heads in probe.json beside the policy (else the shipped one): "injection" (top level), "harm", "customer"."""
    for path in (policy.directory / "probe.json", POLICY_DIR / "probe.json"):
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            heads = {name: _head(body) for name, body in (data.get("heads") or {}).items()}
            return {"injection": _head(data), **heads}
    raise FileNotFoundError(f"{POLICY_DIR / 'probe.json'} is missing: retrain it with evals/guard/train_probe.py")


def _head(body: dict) -> Head:
    hidden = body.get("hidden")
    return Head(np.asarray(body["weights"], dtype=np.float32), float(body["bias"]),
                (np.asarray(hidden["weights"], dtype=np.float32), np.asarray(hidden["bias"], dtype=np.float32))
                if hidden else None)


@lru_cache(maxsize=4)
def exemplar_index(policy: Policy) -> ExemplarIndex:
    return ExemplarIndex(policy)
