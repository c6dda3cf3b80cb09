"""The deterministic safety signals (prompts/nlu/safety.yaml): distress, asking for a person, vetoes on a yes."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from copilot.prompts import PROMPTS


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    data = yaml.safe_load((PROMPTS / "nlu" / "safety.yaml").read_text(encoding="utf-8"))
    return {name: re.compile("".join(part.strip() for part in body.split("\n")), re.I)
            for name, body in data["patterns"].items()}


def distressed(text: str) -> bool:
    """Vulnerability or distress: a person is offered at once."""
    return bool(_patterns()["distress"].search(text))


def asks_for_person(text: str) -> bool:
    """An explicit request for a person, in the message or any one sentence of it ("STOP. HUMAN. now.")."""
    return any(_patterns()["person"].search(part) for part in [text, *re.split(r"(?<=[.!?])\s+", text)])


def yes_is_hedged(text: str) -> bool:
    """A question, hedge, deferral, condition or second request inside what may look like a yes."""
    return bool(_patterns()["confirm_veto"].search(text))
