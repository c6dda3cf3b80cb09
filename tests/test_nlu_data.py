"""The understanding data (no model): example sets, labels, the capability table and the held-out split.

Checks that every example set loads with known labels, that the capability table passes its load-time check,
minimum sizes, that no message carries two different acts, and that no held-out line is an exact or near-exact
copy of a training line (rapidfuzz ratio above NEAR after normalisation).
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest
import yaml
from rapidfuzz import fuzz, process

from copilot.agent.capabilities import Capability, CapabilityTable, capability_table, check
from copilot.config import PROJECT_ROOT
from copilot.nlu.data import MarkupError, example_sets, labels, load_set, our_examples, parse_markup

HELDOUT = PROJECT_ROOT / "evals" / "intents" / "heldout.yaml"
MIN_PER_CAPABILITY_SET = 100
MIN_PER_DIALOGUE_SET = 50
MIN_TOTAL = 6000
NEAR = 90


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip() or text


def test_markup_gives_the_text_and_character_spans():
    assert parse_markup("spent [50](amount) at [Aldi](merchant) [x] (y)") == \
        ("spent 50 at Aldi [x] (y)", ((6, 8, "amount"), (12, 16, "merchant")))


def test_an_unknown_label_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("defaults: {act: request, actions: [view], topics: [balance]}\nexamples:\n"
                    "  - \"spent [50](moneyz) at Aldi\"\n")
    with pytest.raises(MarkupError, match="broken.yaml.*span moneyz"):
        load_set(path)


def test_every_example_set_loads_with_known_labels_and_enough_lines():
    table = capability_table()
    used_by_capabilities = {c.examples for c in table.capabilities.values()}
    short = {}
    for name, path in example_sets().items():
        examples = load_set(path)
        minimum = MIN_PER_CAPABILITY_SET if name in used_by_capabilities else MIN_PER_DIALOGUE_SET
        if len(examples) < minimum:
            short[name] = len(examples)
    assert not short, f"example sets below their minimum size: {short}"
    assert len(our_examples()) >= MIN_TOTAL
    orphans = set(example_sets()) - used_by_capabilities - {f"dialogue_{a}" for a in labels().acts}
    assert not orphans, f"example sets no capability or dialogue act uses: {orphans}"


def test_every_span_label_and_dialogue_act_is_taught():
    examples = our_examples()
    spans = {label for e in examples for _, _, label in e.spans or ()}
    acts = {e.act for e in examples}
    assert set(labels().spans) <= spans, f"span labels without examples: {set(labels().spans) - spans}"
    assert set(labels().acts) <= acts, f"acts without examples: {set(labels().acts) - acts}"


def test_no_message_is_taught_two_different_acts():
    seen = defaultdict(set)
    for example in our_examples():
        seen[normalize(example.text)].add(example.act)
    conflicts = {text: acts for text, acts in seen.items() if len(acts) > 1}
    assert not conflicts, f"messages with conflicting acts: {dict(list(conflicts.items())[:10])}"


def test_the_capability_table_passes_its_load_time_check():
    assert capability_table().capabilities


def test_the_load_time_check_catches_unknown_tools_templates_sets_and_unreachable_tools():
    raw = yaml.safe_load((PROJECT_ROOT / "prompts" / "capabilities.yaml").read_text())
    rows = {name: Capability(name=name, **body) for name, body in raw["capabilities"].items() if name != "bills"}
    rows["balance"] = rows["balance"].model_copy(update={"tools": ["get_balance"], "examples": "balances"})
    rows["knowledge"] = rows["knowledge"].model_copy(update={"reply": "no_such_template"})
    problems = check(CapabilityTable(version=1, capabilities=rows))
    assert "capability balance: unknown tool get_balance" in problems
    assert "capability balance: no example set balances" in problems
    assert "capability knowledge: no template no_such_template.j2" in problems
    assert "tool get_balances is reachable from no capability" in problems


def test_held_out_lines_are_not_copies_of_training_lines():
    train = [normalize(e.text) for e in our_examples()]
    cases = yaml.safe_load(HELDOUT.read_text())["cases"]
    held = [normalize(c["text"]) for c in cases]
    scores = process.cdist(held, train, scorer=fuzz.ratio, score_cutoff=NEAR, workers=-1)
    clashes = [f"{cases[i]['text']!r} ~ {our_examples()[j].text!r}" for i, j in zip(*np.nonzero(scores > NEAR))]
    assert not clashes, "held-out lines too close to training lines:\n" + "\n".join(clashes[:20])
    targets = set(capability_table().capabilities) | set(labels().acts)
    assert {e for c in cases for e in (c["expect"] if isinstance(c["expect"], list) else [c["expect"]])} <= targets
