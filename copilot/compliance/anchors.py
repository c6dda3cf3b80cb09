"""Benign customer texts the guard anchors on (nearest-benign checks, probe training, over-blocking figures); nothing else.

The one place the guard reads ordinary customer messages from the planner's side: the intent examples, through
copilot.agent.intents.load_examples while that module exists, else straight from prompts/intents/examples.yaml.
When the planner's understanding is replaced, only this function changes.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from copilot.config import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "prompts" / "intents" / "examples.yaml"


@lru_cache(maxsize=1)
def _texts() -> tuple[str, ...]:
    try:
        from copilot.agent.intents import load_examples     # late: the guard must not load the planner's model
    except ImportError:                                     # the planner moved on; its examples file is the same data
        data = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8")) if EXAMPLES.exists() else {"intents": {}}
        return tuple(str(e) for body in data["intents"].values() for e in body["examples"])
    return tuple(load_examples()[0])


def benign_anchor_texts() -> list[str]:
    """Ordinary customer messages (a fresh list each call)."""
    return list(_texts())
