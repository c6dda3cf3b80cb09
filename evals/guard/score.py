"""Scores the compliance guards on evals/guard: attack-block rate, over-blocking, PII precision/recall, overhead p50/p95."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from copilot.compliance import Evidence, PiiVault, Policy, filter_output, guard_input, guard_inputs, scan_untrusted
from copilot.compliance.anchors import benign_anchor_texts
from copilot.embeddings import get_embedder

HERE = Path(__file__).parent
NEVER_LEAK = ("CREDIT_CARD", "US_SSN", "IBAN_CODE")
SAMPLE_EVIDENCE = Evidence(tool_results=[{"balance": 2412.77, "apr": 0.2399, "minimum_payment": 75.0,
                                          "months_to_payoff": 19, "due_date": "2026-12-05"}],
                           customer_messages=["if I pay 600 a month"], own_identifiers=["4242"])
SAMPLE_ANSWER = ("Your card balance is $2,412.77 at 23.99% APR, and the minimum payment of $75.00 is due on "
                 "2026-12-05. Paying 600 a month, you would clear it in about 19 months. This is an estimate.")


def load(name: str) -> list[dict[str, Any]]:
    with open(HERE / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score_attacks(policy: Policy | None = None) -> dict[str, Any]:
    attacks = load("attacks.jsonl")
    decisions = guard_inputs([a["text"] for a in attacks], policy=policy)
    by_family: dict[str, list[bool]] = defaultdict(list)
    for attack, decision in zip(attacks, decisions):
        by_family[attack["family"]].append(decision.blocked)
    missed = [a["id"] for a, d in zip(attacks, decisions) if not d.blocked]
    indirect = [a["text"] for a in attacks if a["family"] == "indirect"]
    neutralised = sum(scan_untrusted(text, policy=policy).verdict != "allow" for text in indirect)
    return {"attacks": len(attacks), "block_rate": sum(d.blocked for d in decisions) / len(attacks),
            "by_family": {f: round(sum(v) / len(v), 3) for f, v in sorted(by_family.items())},
            "untrusted_neutralise_rate": neutralised / max(1, len(indirect)), "missed": missed}


def score_heldout(policy: Policy | None = None) -> dict[str, Any]:
    """The sets written before round 8's tuning and never tuned on (heldout_attacks/benign.jsonl, pii_heldout.jsonl)."""
    attacks, benign = load("heldout_attacks.jsonl"), load("heldout_benign.jsonl")
    blocked = guard_inputs([a["text"] for a in attacks], policy=policy)
    over = guard_inputs([b["text"] for b in benign], policy=policy)
    by_family: dict[str, list[bool]] = defaultdict(list)
    for attack, decision in zip(attacks, blocked):
        by_family[attack["family"]].append(decision.blocked)
    return {"attacks": len(attacks), "block_rate": sum(d.blocked for d in blocked) / len(attacks),
            "by_family": {f: round(sum(v) / len(v), 3) for f, v in sorted(by_family.items())},
            "benign": len(benign), "over_block_rate": sum(d.blocked for d in over) / len(benign),
            "missed": [a["id"] for a, d in zip(attacks, blocked) if not d.blocked],
            "over_blocked": [(b["id"], d.rule_ids) for b, d in zip(benign, over) if d.blocked],
            "pii": score_pii(policy, "pii_heldout.jsonl")}


def intent_messages() -> dict[str, list[str]]:
    """Ordinary customer messages of the planner's intent sets: none of them may be blocked."""
    root = HERE.parents[1]
    heldout = yaml.safe_load((root / "evals/intents/heldout.yaml").read_text(encoding="utf-8"))
    return {"examples": benign_anchor_texts(), "heldout": [c["text"] for c in heldout["cases"]]}


def score_intents(policy: Policy | None = None) -> dict[str, Any]:
    """Over-blocking on the intent examples (benign anchors of the guard) and the held-out intent set (never used)."""
    out = {}
    for name, texts in intent_messages().items():
        decisions = guard_inputs(texts, policy=policy)
        blocked = [t for t, d in zip(texts, decisions) if d.blocked]
        out[name] = {"messages": len(texts), "over_block_rate": len(blocked) / len(texts), "over_blocked": blocked}
    return out


def score_benign(policy: Policy | None = None) -> dict[str, Any]:
    benign = load("benign.jsonl")
    decisions = guard_inputs([b["text"] for b in benign], policy=policy)
    blocked = [(b["id"], d.rule_ids) for b, d in zip(benign, decisions) if d.blocked]
    return {"benign": len(benign), "over_block_rate": len(blocked) / len(benign), "over_blocked": blocked}


def _overlaps(a: dict, b: dict) -> bool:
    return a["type"] == b["type"] and a["start"] < b["end"] and b["start"] < a["end"]


def score_pii(policy: Policy | None = None, name: str = "pii.jsonl") -> dict[str, Any]:
    counts: dict[str, Counter] = defaultdict(Counter)
    leaks, misses = [], []
    for sample in load(name):
        decision = filter_output(sample["text"], policy=policy)
        gold, found = sample["entities"], decision.entities
        for entity in gold:
            hit = any(_overlaps(entity, f) for f in found)
            counts[entity["type"]]["tp" if hit else "fn"] += 1
            if not hit:
                misses.append(sample["id"])
            value = sample["text"][entity["start"]:entity["end"]]
            if entity["type"] in NEVER_LEAK and value in decision.text:
                leaks.append(sample["id"])
        for entity in found:
            if not any(_overlaps(entity, g) for g in gold):
                counts[entity["type"]]["fp"] += 1
                misses.append(sample["id"])
    per_type = {}
    for kind, c in sorted(counts.items()):
        per_type[kind] = {"precision": round(c["tp"] / max(1, c["tp"] + c["fp"]), 3),
                          "recall": round(c["tp"] / max(1, c["tp"] + c["fn"]), 3), **dict(c)}
    return {"per_type": per_type, "full_value_leaks": leaks, "errors": misses}


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return round(statistics.median(timings), 2), round(timings[int(0.95 * (len(timings) - 1))], 2)


def score_latency(policy: Policy | None = None, turns: int = 200) -> dict[str, float]:
    """Per-turn overhead of guard_input (PII vault included) + filter_output on a grounded answer.

    `cold_*`: wall clock with the message embedded afresh. `shared_*`: thread CPU time with the message embedding
    already in the embedder's cache, as in a turn where the planner embeds the same message (stable on a busy
    machine). `embedding_*`: the MiniLM call alone.
    """
    messages = [b["text"] for b in load("benign.jsonl")][:turns]
    embedder = get_embedder()
    guard_input("warm up", policy=policy)
    filter_output(SAMPLE_ANSWER, SAMPLE_EVIDENCE, policy=policy)
    cold, shared, embedding = [], [], []
    for message in messages:
        start = time.perf_counter()
        embedder.encode([message + " "])
        embedding.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        guard_input(message, policy=policy, vault=PiiVault())
        filter_output(SAMPLE_ANSWER, SAMPLE_EVIDENCE, policy=policy)
        cold.append((time.perf_counter() - start) * 1000)
        start = time.thread_time()
        guard_input(message, policy=policy, vault=PiiVault())
        filter_output(SAMPLE_ANSWER, SAMPLE_EVIDENCE, policy=policy)
        shared.append((time.thread_time() - start) * 1000)
    figures = {"turns": len(messages)}
    for name, timings in (("cold", cold), ("shared", shared), ("embedding", embedding)):
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _percentiles(timings)
    return figures


def score_all(policy: Policy | None = None) -> dict[str, Any]:
    return {"attacks": score_attacks(policy), "benign": score_benign(policy), "pii": score_pii(policy),
            "heldout": score_heldout(policy), "intents": score_intents(policy), "latency": score_latency(policy)}


def _print_pii(title: str, pii: dict[str, Any]) -> None:
    print(f"{title:<22} precision  recall")
    for kind, figures in pii["per_type"].items():
        print(f"  {kind:<20} {figures['precision']:.3f}   {figures['recall']:.3f}")
    print(f"  full card/SSN/IBAN values left in output: {len(pii['full_value_leaks'])}")


def print_report(result: dict[str, Any], as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    attacks, benign, latency = result["attacks"], result["benign"], result["latency"]
    print(f"attacks blocked   {attacks['block_rate']:.1%} of {attacks['attacks']}   "
          f"benign over-blocked {benign['over_block_rate']:.1%} of {benign['benign']}")
    for family, rate in attacks["by_family"].items():
        print(f"  {family:<22} {rate:.1%}")
    print(f"  indirect via scan_untrusted: {attacks['untrusted_neutralise_rate']:.1%} neutralised")
    print(f"missed attacks: {', '.join(attacks['missed']) or 'none'}")
    print(f"over-blocked: {', '.join(i for i, _ in benign['over_blocked']) or 'none'}")
    _print_pii("PII (development set)", result["pii"])
    heldout, intents = result["heldout"], result["intents"]
    print(f"HELD-OUT (never tuned on): attacks blocked {heldout['block_rate']:.1%} of {heldout['attacks']}   "
          f"benign over-blocked {heldout['over_block_rate']:.1%} of {heldout['benign']}")
    print("  " + "  ".join(f"{family} {rate:.0%}" for family, rate in heldout["by_family"].items()))
    print(f"  missed: {', '.join(heldout['missed']) or 'none'}; over-blocked: "
          f"{', '.join(i for i, _ in heldout['over_blocked']) or 'none'}")
    _print_pii("PII (held-out set)", heldout["pii"])
    print("intent messages over-blocked: " + "; ".join(
        f"{name} {f['over_block_rate']:.2%} of {f['messages']}" for name, f in intents.items()))
    print(f"overhead per turn (guard + filter), fresh embedding: p50 {latency['cold_p50_ms']} ms, "
          f"p95 {latency['cold_p95_ms']} ms (the MiniLM call alone: p50 {latency['embedding_p50_ms']} ms, "
          f"p95 {latency['embedding_p95_ms']} ms)")
    print(f"overhead per turn, embedding shared with the planner (CPU): p50 {latency['shared_p50_ms']} ms, "
          f"p95 {latency['shared_p95_ms']} ms")


if __name__ == "__main__":
    print_report(score_all(), as_json="--json" in sys.argv)
