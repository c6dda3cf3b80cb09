"""Intent understanding on the held-out split (phrasing never seen in training): the figure CI keeps honest."""

from __future__ import annotations

import yaml

from copilot.agent.intents import classifier_for, load_examples
from copilot.agent.planner import Planner
from copilot.agent.state import DialogueState
from copilot.config import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "evals" / "intents" / "heldout.yaml"


def test_held_out_intent_accuracy_is_at_least_90_percent(settings):
    planner = Planner(classifier_for(settings))
    cases = yaml.safe_load(HELDOUT.read_text())["cases"]
    state = DialogueState()
    wrong = [(c["text"], c["intent"], planner.classify(c["text"], state)[0]) for c in cases]
    wrong = [w for w in wrong if w[1] != w[2]]
    accuracy = 1 - len(wrong) / len(cases)
    print(f"\nheld-out intent accuracy: {accuracy:.3f} on {len(cases)} utterances")
    assert accuracy >= 0.90, f"held-out intent accuracy {accuracy:.3f}; e.g. {wrong[:5]}"


def test_training_examples_are_not_in_the_held_out_split():
    texts, _, _ = load_examples()
    heldout = {c["text"].lower() for c in yaml.safe_load(HELDOUT.read_text())["cases"]}
    assert not heldout & {t.lower() for t in texts}
