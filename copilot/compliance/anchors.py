"""Benign customer texts the guard anchors on (nearest-benign checks, probe training, over-blocking figures); nothing else.

They live in prompts/compliance/benign_anchors.yaml: 1,759 ordinary customer messages (the planner's former intent
examples, frozen there as guard data; the guard's probe and heads were trained against them). The understanding
model's own example sets are separate and free to change.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from copilot.config import PROJECT_ROOT

ANCHORS = PROJECT_ROOT / "prompts" / "compliance" / "benign_anchors.yaml"


@lru_cache(maxsize=1)
def _texts() -> tuple[str, ...]:
    data = yaml.safe_load(ANCHORS.read_text(encoding="utf-8"))
    return tuple(str(example) for body in data["intents"].values() for example in body["examples"])


def benign_anchor_texts() -> list[str]:
    """Ordinary customer messages (a fresh list each call)."""
    return list(_texts())
