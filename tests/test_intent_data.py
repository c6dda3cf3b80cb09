"""Validates the intent data (no model): prompts/intents/examples.yaml and evals/intents/heldout.yaml.

Checks schema, that every label is one of the planner's intents, minimum counts per intent, no duplicates
inside a split, and that no held-out line is an exact or near-exact copy of a training line (rapidfuzz ratio
above NEAR after normalisation). Accuracy of the planner itself is measured elsewhere, not here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "prompts" / "intents" / "examples.yaml"
HELDOUT = ROOT / "evals" / "intents" / "heldout.yaml"

INTENTS = frozenset({
    "balance", "transactions", "spending", "budget_status", "set_budget", "bills", "debt_payoff",
    "savings_plan", "create_goal", "fraud_check", "freeze_card", "unfreeze_card", "dispute",
    "credit_guidance", "cash_flow", "knowledge", "consent_manage", "handoff", "complaint", "hardship",
    "investment_advice", "greeting", "thanks", "goodbye", "capabilities", "affirm", "deny", "out_of_scope",
})
SHORT_TURN_INTENTS = frozenset({"affirm", "deny", "greeting", "thanks", "goodbye"})

MIN_TRAIN = 40
MIN_TRAIN_SHORT_TURN = 30
MIN_TRAIN_OUT_OF_SCOPE = 200
MIN_TRAIN_TOTAL = 1400
MIN_HELDOUT = 12
MIN_HELDOUT_TOTAL = 400
MAX_WORDS = 40
NEAR = 90          # rapidfuzz ratio strictly above this counts as a near-duplicate across the splits
TEMPLATED = 95     # inside one intent, two longer lines this similar are a templated near-copy
TEMPLATED_MIN_CHARS = 25


def normalize(text: str) -> str:
    """Lower-case, drop punctuation, collapse whitespace: 'Hello!!' and 'hello' compare equal."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip()


def _load(path: Path):
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def examples() -> dict:
    return _load(EXAMPLES)


@pytest.fixture(scope="module")
def heldout() -> dict:
    return _load(HELDOUT)


@pytest.fixture(scope="module")
def train_rows(examples) -> list[tuple[str, str]]:
    return [(text, intent) for intent, spec in examples["intents"].items() for text in spec["examples"]]


@pytest.fixture(scope="module")
def heldout_rows(heldout) -> list[tuple[str, str]]:
    return [(case["text"], case["intent"]) for case in heldout["cases"]]


def _text_problem(text) -> str | None:
    if not isinstance(text, str):
        return "not a string"
    if not text.strip():
        return "empty"
    if text != text.strip() or "\n" in text:
        return "leading/trailing whitespace or newline"
    if len(text.split()) > MAX_WORDS:
        return f"more than {MAX_WORDS} words"
    if not normalize(text):
        return "no words"
    return None


# --- schema -------------------------------------------------------------------------------------------
def test_examples_schema(examples):
    assert isinstance(examples, dict)
    assert examples.get("version") == 1
    assert set(examples) == {"version", "intents"}
    intents = examples["intents"]
    assert isinstance(intents, dict)
    assert set(intents) == INTENTS, {"unknown": sorted(set(intents) - INTENTS), "missing": sorted(INTENTS - set(intents))}
    problems = []
    for name, spec in intents.items():
        if not isinstance(spec, dict) or set(spec) != {"description", "examples"}:
            problems.append(f"{name}: needs exactly 'description' and 'examples'")
            continue
        if not isinstance(spec["description"], str) or not spec["description"].strip():
            problems.append(f"{name}: empty description")
        if not isinstance(spec["examples"], list) or not spec["examples"]:
            problems.append(f"{name}: examples must be a non-empty list")
            continue
        problems += [f"{name}: {text!r}: {why}" for text in spec["examples"] if (why := _text_problem(text))]
    assert not problems, "\n".join(problems)


def test_heldout_schema(heldout):
    assert isinstance(heldout, dict)
    assert heldout.get("version") == 1
    assert set(heldout) == {"version", "cases"}
    cases = heldout["cases"]
    assert isinstance(cases, list) and cases
    problems = []
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or set(case) != {"text", "intent"}:
            problems.append(f"case {i}: needs exactly 'text' and 'intent': {case!r}")
            continue
        if case["intent"] not in INTENTS:
            problems.append(f"case {i}: unknown intent {case['intent']!r}")
        if why := _text_problem(case["text"]):
            problems.append(f"case {i}: {case['text']!r}: {why}")
    assert not problems, "\n".join(problems)


# --- sizes --------------------------------------------------------------------------------------------
def test_training_counts(examples, train_rows):
    def minimum(intent: str) -> int:
        if intent == "out_of_scope":
            return MIN_TRAIN_OUT_OF_SCOPE
        return MIN_TRAIN_SHORT_TURN if intent in SHORT_TURN_INTENTS else MIN_TRAIN

    short = {name: len(spec["examples"]) for name, spec in examples["intents"].items()
             if len(spec["examples"]) < minimum(name)}
    assert not short, f"too few training examples: {short}"
    assert len(train_rows) >= MIN_TRAIN_TOTAL


def test_heldout_counts(heldout_rows):
    counts = Counter(intent for _, intent in heldout_rows)
    short = {intent: counts[intent] for intent in INTENTS if counts[intent] < MIN_HELDOUT}
    assert not short, f"too few held-out cases: {short}"
    assert len(heldout_rows) >= MIN_HELDOUT_TOTAL


# --- duplicates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("split", ["train", "heldout"])
def test_no_duplicates_within_split(split, train_rows, heldout_rows):
    rows = train_rows if split == "train" else heldout_rows
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, intent in rows:
        seen[normalize(text)].append((intent, text))
    dupes = {key: hits for key, hits in seen.items() if len(hits) > 1}
    assert not dupes, f"duplicate lines in {split} (same or conflicting labels): {dupes}"


def test_no_near_duplicates_across_splits(train_rows, heldout_rows):
    train = [normalize(text) for text, _ in train_rows]
    held = [normalize(text) for text, _ in heldout_rows]
    scores = process.cdist(held, train, scorer=fuzz.ratio, score_cutoff=NEAR, workers=-1)
    clashes = [
        f"{scores[i, j]:.0f}: heldout {heldout_rows[i]!r} ~ train {train_rows[j]!r}"
        for i, j in zip(*np.nonzero(scores > NEAR))
    ]
    assert not clashes, "held-out lines too close to training lines:\n" + "\n".join(clashes)


def test_no_templated_near_copies_within_an_intent(examples):
    problems = []
    for name, spec in examples["intents"].items():
        texts = [normalize(text) for text in spec["examples"]]
        scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=TEMPLATED, workers=-1)
        for i, j in zip(*np.nonzero(scores > TEMPLATED)):
            if i < j and min(len(texts[i]), len(texts[j])) >= TEMPLATED_MIN_CHARS:
                problems.append(f"{name}: {spec['examples'][i]!r} ~ {spec['examples'][j]!r}")
    assert not problems, "templated near-copies:\n" + "\n".join(problems)
