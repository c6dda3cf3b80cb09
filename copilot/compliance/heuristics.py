"""Fast pattern layer of the injection guard: weighted regex signals (prompts/compliance/patterns.yaml) over every text view."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from copilot.compliance.normalize import views
from copilot.compliance.policy import Policy

OBFUSCATED_VIEWS = {"leet", "spaced", "rot13", "reversed", "fragments", "encoded"}


@dataclass(frozen=True)
class Signal:
    """One pattern that matched: the rule it argues for, how strongly, in which spelling, where (and what) it matched."""

    rule_id: str
    weight: float
    view: str
    match: str
    pattern: int = 0                 # the pattern's position in its rule's list (audit detail without the text)

    @property
    def derived(self) -> bool:
        """An encoded-payload signal restating another pattern's hit: reported, not counted twice."""
        return self.pattern == 0


class Heuristics:
    """Compiled pattern sets; `signals()` returns the strongest hit of each pattern across all views."""

    def __init__(self, policy: Policy, sections: tuple[str, ...]) -> None:
        data = policy.data("patterns")
        self._patterns = [(rule_id, float(weight), re.compile(pattern, re.IGNORECASE | re.MULTILINE), number)
                          for section in sections for rule_id, entries in data[section].items()
                          for number, (weight, pattern) in enumerate(entries, start=1)]

    def signals(self, text: str) -> list[Signal]:
        found: dict[int, Signal] = {}
        for kind, view in views(text):
            for index, (rule_id, weight, regex, number) in enumerate(self._patterns):
                if index in found:
                    continue
                match = regex.search(view)
                if match:
                    found[index] = Signal(rule_id, weight, kind, match.group(0)[:80], number)
        return list(found.values()) + _obfuscation_signals(found.values())


def _obfuscation_signals(signals) -> list[Signal]:
    """An instruction only visible once decoded is itself an encoded-payload attack (reported, counted once)."""
    return [Signal("inj.encoded_payload", s.weight, s.view, s.match) for s in signals
            if s.view in OBFUSCATED_VIEWS and s.rule_id != "inj.encoded_payload"]


def noisy_or(weights) -> float:
    """Independent pieces of evidence: P(attack) = 1 - prod(1 - w)."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - min(max(weight, 0.0), 1.0)
    return 1.0 - remaining


@lru_cache(maxsize=8)
def heuristics_for(policy: Policy, sections: tuple[str, ...]) -> Heuristics:
    return Heuristics(policy, sections)
