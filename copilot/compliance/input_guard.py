"""Input guards: `guard_input` for customer messages, `scan_untrusted` for text that tools and the knowledge base return.

Layers, cheapest first: size/encoding limits; weighted regex signals over every decoded spelling; cosine
similarity to versioned attack exemplars and linear heads for injection and for harmful goals (batched, sharing the
process embedder and its cache); and, only for scores in the policy's doubt band, an optional LLM classifier.
Signals combine as a noisy-or.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from copilot.compliance.advice import is_list_item, negated_lead_in
from copilot.compliance.classifier import get_classifier
from copilot.compliance.heuristics import Signal, heuristics_for, noisy_or
from copilot.compliance.limits import check_limits, strip_controls
from copilot.compliance.normalize import canonical, decoded_payloads
from copilot.compliance.pii import detect_pii
from copilot.compliance.policy import Policy, get_policy
from copilot.compliance.requests import Request, find_requests
from copilot.compliance.sentences import sentence_spans
from copilot.compliance.similarity import Similarity, exemplar_index, windows
from copilot.compliance.types import Decision, RuleHit
from copilot.compliance.vault import PiiVault
from copilot.config import get_settings
from copilot.embeddings import get_embedder

INPUT_SECTIONS = ("input",)
UNTRUSTED_SECTIONS = ("input", "untrusted")
NEUTRALISED = "[removed: instructions found in data]"
SENTENCE_WORDS = 3          # in data, a fragment with fewer words (an id, a date, a merchant) is left to the patterns
WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass
class Assessment:
    """How much one text looks like an attack, and why."""

    score: float
    signals: list[Signal]
    similarity: Similarity | None

    def hits(self, policy: Policy) -> list[RuleHit]:
        strongest: dict[str, Signal] = {}
        for signal in self.signals:
            if signal.rule_id not in strongest or signal.weight > strongest[signal.rule_id].weight:
                strongest[signal.rule_id] = signal
        hits = [policy.hit(rule_id, f"score {self.score:.2f}; pattern {s.rule_id}#{s.pattern} in {s.view} text")
                for rule_id, s in strongest.items()]
        sim = self.similarity
        if sim and sim.weight > 0:
            hits.append(policy.hit("inj.similar_to_exemplar", f"score {self.score:.2f}; nearest {sim.family} "
                                   f"exemplar at {sim.attack:.2f}, probe {sim.probe:.2f}"))
        if sim and sim.harm_weight > 0 and "abuse.harmful_request" not in strongest:
            frame = " inside a story/role/hypothetical frame" if sim.framed else ""
            hits.append(policy.hit("abuse.harmful_request", f"score {self.score:.2f}; harm head {sim.harm:.2f}{frame}"))
        return hits


def _encode_many(units: list[str], batch: int = 64) -> np.ndarray:
    """Embed a batch: sorted by length (a MiniLM batch pads to its longest text) and spread over the cores
    (onnxruntime releases the GIL while it runs); the order of `units` is kept."""
    embedder = get_embedder()
    order = sorted(range(len(units)), key=lambda i: len(units[i]))
    chunks = [[units[i] for i in order[k:k + batch]] for k in range(0, len(order), batch)]
    workers = min(len(chunks), os.cpu_count() or 1, 4)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(embedder.encode, chunks))
    else:
        parts = [embedder.encode(chunk) for chunk in chunks]
    vectors = np.empty((len(units), parts[0].shape[1]), dtype=np.float32)
    vectors[order] = np.concatenate(parts)
    return vectors


def _similarities(texts: list[str], policy: Policy) -> list[Similarity | None]:
    """Max exemplar similarity over each text's windows and decoded payloads, all embedded in one batch."""
    units, owner = [], []
    for i, text in enumerate(texts):
        if text is None:
            continue
        for unit in windows(text) + decoded_payloads(text):
            units.append(unit)
            owner.append(i)
    if not units:
        return [None] * len(texts)
    vectors = get_embedder().encode_one(units[0])[None, :] if len(units) == 1 else _encode_many(units)
    best: list[Similarity | None] = [None] * len(texts)
    for i, sim in zip(owner, exemplar_index(policy).score(vectors, units)):
        if best[i] is None or (sim.strength, sim.attack) > (best[i].strength, best[i].attack):
            best[i] = sim
    return best


def assess(texts: list[str], policy: Policy, sections: tuple[str, ...] = INPUT_SECTIONS,
           decided: float = 0.999, probe: bool = True) -> list[Assessment]:
    """Score many texts; embeddings only for those the patterns have not already decided (score >= `decided`:
    similarity can only add to a noisy-or, so a text the patterns already block needs no embedding).
    Without `probe` (data, not a customer's message) only the nearest exemplars count: the probe and the harm head
    learnt what customers' messages look like, and flag plain declarative sentences of documents (a KB page about
    fraud is not a request for it); and a fragment of fewer than SENTENCE_WORDS words is not a sentence an exemplar
    can be near, so only the patterns read it (tool results are mostly ids, dates and names)."""
    heuristics = heuristics_for(policy, sections)
    signals = [heuristics.signals(text) for text in texts]
    evidence = [[s.weight for s in sig if not s.derived] for sig in signals]
    plain = [None if noisy_or(weights) >= decided or (not probe and len(WORD.findall(text)) < SENTENCE_WORDS)
             else canonical(text) for text, weights in zip(texts, evidence)]
    similarities = _similarities(plain, policy)
    if not probe:                            # what does not count is not reported either
        similarities = [replace(s, weight=s.nearest, harm_weight=0.0) if s else None for s in similarities]
    return [Assessment(noisy_or(weights + _layer_weights(sim, probe)), sig, sim)
            for weights, sig, sim in zip(evidence, signals, similarities)]


def _layer_weights(sim: Similarity | None, probe: bool) -> list[float]:
    return [] if sim is None else sim.weights if probe else [sim.nearest]


def _classifier_hit(text: str, score: float, policy: Policy) -> list[RuleHit]:
    classifier = get_classifier()
    low, high = policy.threshold("classifier_band")
    if classifier is None or not low <= score < high:
        return []
    return [policy.hit("inj.classifier", f"score {score:.2f}; LLM classifier: attack")] if classifier(text) else []


def guard_inputs(texts: list[str], *, policy: Policy | None = None, vaults: list[PiiVault | None] | None = None,
                 max_chars: int | None = None) -> list[Decision]:
    """guard_input over a batch (one embedding call for all); vaults[i] tokenizes PII of texts[i] when given."""
    policy = policy or get_policy()
    max_chars = max_chars or get_settings().max_message_chars
    vaults = vaults or [None] * len(texts)
    limits = [check_limits(text, policy, max_chars) for text in texts]
    readable = [i for i, (_, _, stop) in enumerate(limits) if not stop]
    threshold = policy.threshold("injection_block")
    assessments = dict(zip(readable, assess([limits[i][0] for i in readable], policy, decided=threshold)))
    decisions = []
    for i, text in enumerate(texts):
        cleaned, hits, stop = limits[i]
        entities: list[dict] = []
        if not stop:
            found = assessments[i]
            hits += found.hits(policy) if found.score >= threshold else _classifier_hit(cleaned, found.score, policy)
            entities = [{k: e[k] for k in ("type", "start", "end")} for e in detect_pii(text, names=True)]
            if vaults[i] is not None and entities:
                cleaned = strip_controls(vaults[i].tokenize(text, entities)[0])
                hits.append(policy.hit("pii.tokenized", ", ".join(sorted({e["type"] for e in entities}))))
        decisions.append(Decision.from_hits(text, cleaned, hits, entities=entities,
                                           message=policy.message_for(hits), direction="input"))
    return decisions


def guard_input(text: str, *, policy: Policy | None = None, vault: PiiVault | None = None,
                max_chars: int | None = None) -> Decision:
    """Judge one customer message before any model sees it; with a vault, PII leaves as placeholders."""
    return guard_inputs([text], policy=policy, vaults=[vault], max_chars=max_chars)[0]


def _neutralise(piece: str, found: Assessment, request: Request | None = None) -> str:
    """Cut a flagged sentence from where its instruction starts (keeps "ACME STORE" of a poisoned merchant name)."""
    starts = [piece.find(s.match) for s in found.signals if s.view == "plain" and s.match]
    starts += [request.start] if request else []
    start = min([i for i in starts if i >= 0], default=0)
    tail = " " if piece.endswith((" ", "\n")) else ""
    return f"{piece[:start]}{NEUTRALISED}{tail}" if start else NEUTRALISED + tail


def _requests(pieces: list[str], policy: Policy) -> list[Request | None]:
    """A request for a secret or a redirection of money written into data, statements included ("customers should
    send their PIN to ..."); a list under a negated lead-in ("We will never ask you to:") holds none."""
    out, lead = [], False
    for piece in pieces:
        inherited = lead and is_list_item(piece)
        if not is_list_item(piece):
            lead = negated_lead_in(piece, policy)
        found = [] if inherited else find_requests(piece, policy, mode="data")
        out.append(found[0] if found else None)
    return out


def scan_untrusted(text: str, *, policy: Policy | None = None) -> Decision:
    """Neutralise instructions inside data (merchant names, documents, tool results): rewrite, never obey."""
    policy = policy or get_policy()
    spans = sentence_spans(text) or [(0, len(text))]
    pieces = [text[a:b] for a, b in spans]
    found = assess(pieces, policy, UNTRUSTED_SECTIONS, probe=False)
    requests = _requests(pieces, policy)
    threshold = policy.threshold("untrusted_neutralise")
    flagged = [i for i, f in enumerate(found) if requests[i] or f.score >= threshold
               and any(not s.rule_id.startswith("abuse.") for s in f.signals) | bool(f.similarity and f.similarity.nearest)]
    if not flagged:
        return Decision.from_hits(text, text, [], direction="untrusted")
    reasons = sorted({h.rule_id for i in flagged for h in found[i].hits(policy) if found[i].score >= threshold}
                     | {requests[i].rule_id for i in flagged if requests[i]})
    out = "".join(_neutralise(piece, found[i], requests[i]) if i in flagged else piece for i, piece in enumerate(pieces))
    hit = policy.hit("untrusted.injection", f"{len(flagged)} of {len(pieces)} sentences: {', '.join(reasons)}")
    return Decision.from_hits(text, out, [hit], direction="untrusted")
