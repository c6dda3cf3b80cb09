"""Sentence spans: the unit that output filters judge, untrusted text is neutralised in, and streaming releases."""

from __future__ import annotations

import re

# A boundary is end punctuation followed by whitespace, or a line break; decimals ("1,234.56") never split.
BOUNDARY = re.compile(r"(?<=[.!?。！？])[\"')\]]*\s+|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trailing whitespace included, covering the whole text."""
    spans, start = [], 0
    for match in BOUNDARY.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def spans_around(text: str, keep: list[dict]) -> list[tuple[int, int]]:
    """Sentence spans, joined where a boundary would cut one of the `keep` spans ("555.123.4567 ext. 12")."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if spans and any(e["start"] < start < e["end"] for e in keep):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def complete_prefix(text: str) -> int:
    """Length of the prefix of `text` made of complete sentences (what a stream may judge and release now)."""
    last = 0
    for match in BOUNDARY.finditer(text):
        if match.end() < len(text):            # a boundary at the very end may still grow ("3." then "5%")
            last = match.end()
    return last
