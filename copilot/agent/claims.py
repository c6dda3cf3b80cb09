"""Sentences a model writes that say a change was made (never released: a model's turn only proposes writes) or
that a person was brought in (released only when the turn's hand-off went through)."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from copilot.prompts import PROMPTS


@lru_cache(maxsize=1)
def _lexicon() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    words = yaml.safe_load((PROMPTS / "answers" / "_phrases.yaml").read_text(encoding="utf-8"))["change_claims"]

    def alternation(phrases: list[str]) -> re.Pattern:
        escaped = sorted((re.escape(p).replace(r"\ ", r"\s+") for p in phrases), key=len, reverse=True)
        return re.compile(rf"(?<![\w'])(?:{'|'.join(escaped)})(?![\w'])", re.IGNORECASE)

    return alternation(words["changes"]), alternation(words["completion"]), alternation(words["handoff"])


def claims_a_change(sentence: str, handed_off: bool = False) -> bool:
    changes, completion, handoff = _lexicon()
    plain = sentence.replace("\u2019", "'")
    if plain.rstrip().endswith("?"):
        return False
    return bool(changes.search(plain)) and bool(completion.search(plain)) or not handed_off and bool(handoff.search(plain))


def without_change_claims(sentences: list[str], handed_off: bool = False) -> tuple[list[str], list[str]]:
    """(sentences kept, sentences dropped)."""
    kept = [s for s in sentences if not claims_a_change(s, handed_off)]
    return kept, [s for s in sentences if claims_a_change(s, handed_off)]
