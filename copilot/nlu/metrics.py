"""How well the understanding model reads a labelled set: acts, actions, topics, spans and the capability reached."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from copilot.nlu.data import Example
from copilot.nlu.model import Understanding, configured_dir


def _f1(true: Counter, predicted: Counter, hit: Counter) -> float:
    precision = sum(hit.values()) / max(1, sum(predicted.values()))
    recall = sum(hit.values()) / max(1, sum(true.values()))
    return round(2 * precision * recall / max(1e-9, precision + recall), 4)


def evaluate(examples: list[Example], model_dir: Path | None = None) -> dict:
    """Act accuracy, micro-F1 of actions, topics and spans (label and exact boundaries), capability accuracy."""
    from copilot.agent.capabilities import capability_of, capability_table

    if not examples:
        return {}
    model, table = Understanding(model_dir or configured_dir()), capability_table()
    readings = [model.compute(e.text) for e in examples]
    counts = {kind: (Counter(), Counter(), Counter()) for kind in ("actions", "topics", "spans")}
    acts = capability_hits = capability_total = 0
    for example, reading in zip(examples, readings):
        acts += reading.act == example.act
        for kind, true, predicted in (("actions", set(example.actions), set(reading.likely(reading.actions))),
                                      ("topics", set(example.topics), set(reading.likely(reading.topics)))):
            counts[kind][0].update(true), counts[kind][1].update(predicted), counts[kind][2].update(true & predicted)
        if example.spans is not None:
            true = {(s, e, label) for s, e, label in example.spans}
            predicted = {(s.start, s.end, s.label) for s in reading.spans}
            counts["spans"][0].update(true), counts["spans"][1].update(predicted)
            counts["spans"][2].update(true & predicted)
        if example.act == "request":
            expected = capability_of(table, {a: 1.0 for a in example.actions}, {t: 1.0 for t in example.topics})
            capability_total += 1
            capability_hits += expected == capability_of(table, reading.actions, reading.topics)
    return {"n": len(examples), "act_accuracy": round(acts / len(examples), 4),
            "actions_f1": _f1(*counts["actions"]), "topics_f1": _f1(*counts["topics"]),
            "spans_f1": _f1(*counts["spans"]) if sum(counts["spans"][0].values()) else None,
            "capability_accuracy": round(capability_hits / capability_total, 4) if capability_total else None}
