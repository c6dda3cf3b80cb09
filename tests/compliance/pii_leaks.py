"""Output-filter PII figures: share of labelled PII values left verbatim in the output, share of clean sentences altered.

`python -m tests.compliance.pii_leaks [--heldout]` prints them. The held-out set (evals/guard/pii_heldout.jsonl) is
reported as totals only, never row by row: it is not tuned on. Clean sentences are the sentences of a set that hold
no labelled value; the development report adds every knowledge-base paragraph and intent example (bank and customer
text with amounts, dates, last fours and published phone lines), where masking anything is a false alarm.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from copilot.compliance import filter_output
from copilot.compliance.sentences import sentence_spans

ROOT = Path(__file__).resolve().parents[2]
GUARD = ROOT / "evals" / "guard"


def rows(name: str) -> list[dict]:
    with open(GUARD / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def bank_texts() -> list[str]:
    """Knowledge-base paragraphs and the guard's benign customer messages: text that holds no personal data."""
    from copilot.compliance.anchors import benign_anchor_texts

    paragraphs = [p.strip() for doc in sorted((ROOT / "knowledge" / "docs").rglob("*.md"))
                  for p in doc.read_text(encoding="utf-8").split("---", 2)[-1].split("\n\n") if p.strip()]
    return paragraphs + benign_anchor_texts()


def _clean_spans(sample: dict) -> list[tuple[int, int]]:
    return [(a, b) for a, b in sentence_spans(sample["text"]) or [(0, 0)]
            if sample["text"][a:b].strip() and not any(e["start"] < b and a < e["end"] for e in sample["entities"])]


def figures(samples: list[dict], extra_clean: list[str] = ()) -> dict:
    """Values leaked by type, clean sentences altered, and the ids of rows with a leak or an alteration."""
    values, leaked, clean, altered, bad = Counter(), Counter(), 0, 0, []
    for sample in [*samples, *({"id": f"clean-{i}", "text": t, "entities": []} for i, t in enumerate(extra_clean))]:
        decision = filter_output(sample["text"])
        wrong = False
        for entity in sample["entities"]:
            values[entity["type"]] += 1
            if sample["text"][entity["start"]:entity["end"]] in decision.text:
                leaked[entity["type"]] += 1
                wrong = True
        for start, end in _clean_spans(sample):
            clean += 1
            if any(start <= e["start"] < end for e in decision.entities):
                altered += 1
                wrong = True
        if wrong:
            bad.append(sample["id"])
    total = sum(values.values())
    return {"values": total, "leaked": sum(leaked.values()), "leak_rate": sum(leaked.values()) / max(1, total),
            "leaked_by_type": {k: f"{leaked[k]}/{values[k]}" for k in sorted(values)},
            "clean_sentences": clean, "altered": altered, "altered_rate": altered / max(1, clean), "rows": bad}


def report(heldout: bool) -> dict:
    if heldout:
        found = figures(rows("pii_heldout.jsonl"))
        found.pop("rows")                                   # totals only: the held-out set is never read row by row
        return found
    return figures(rows("pii.jsonl"), bank_texts())


if __name__ == "__main__":
    print(json.dumps(report("--heldout" in sys.argv), indent=2))
