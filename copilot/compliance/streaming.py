"""StreamingFilter: releases an answer in sentence-sized pieces, each only after it passed the output filters.

Nothing released is ever taken back: when a later sentence fails, the stream stops there and releases the
policy's customer-facing message instead of the rest. Disclosures are appended at close().
"""

from __future__ import annotations

import re

from copilot.compliance.output_filter import AnswerFilter
from copilot.compliance.policy import Policy
from copilot.compliance.sentences import complete_prefix, sentence_spans
from copilot.compliance.types import Decision, Evidence

MAX_PENDING = 600                                        # chars held back when no sentence ends (lists, code)
SAFE_CUT = re.compile(r"(?<!\d)\s+(?!\d)")               # a space that cannot split a card or account number


class StreamingFilter:
    """feed(delta) -> released pieces; close() -> the rest; `decision` once closed."""

    def __init__(self, evidence: Evidence | None = None, *, policy: Policy | None = None) -> None:
        self._answer = AnswerFilter(evidence, policy)
        self._pending = ""
        self._offset = 0
        self._original: list[str] = []
        self._released: list[str] = []
        self._closed = False

    def _cut(self) -> int:
        """Where the judged prefix ends: after the last complete sentence, else (text too long) at a safe space."""
        cut = complete_prefix(self._pending)
        if cut == 0 and len(self._pending) > MAX_PENDING:
            spaces = [m.end() for m in SAFE_CUT.finditer(self._pending, 0, MAX_PENDING)]
            cut = spaces[-1] if spaces else 0
        return cut

    def _judge(self, text: str) -> list[str]:
        """Judge `text` sentence by sentence; stop at the first that fails, releasing the policy message instead."""
        base, self._offset = self._offset, self._offset + len(text)
        out: list[str] = []
        for start, end in sentence_spans(text):
            if self._answer.stopped:
                break
            piece = self._answer.piece(text[start:end], base + start)
            if piece.release is None:
                out.append(self._answer.policy.message_for(self._answer.hits))
            elif piece.release:
                out.append(piece.release)
        self._released += out
        return out

    def feed(self, delta: str) -> list[str]:
        if self._closed:
            raise RuntimeError("StreamingFilter is closed")
        self._original.append(delta)
        self._pending += delta
        released: list[str] = []
        while cut := self._cut():
            ready, self._pending = self._pending[:cut], self._pending[cut:]
            released += self._judge(ready)
        return released

    def close(self) -> list[str]:
        if self._closed:
            return []
        self._closed = True
        out = self._judge(self._pending)
        self._pending = ""
        if not self._answer.stopped:
            closing = self._answer.closing("".join(self._released))
            if closing:
                out.append(("" if not self._released or self._released[-1].endswith((" ", "\n")) else " ") + closing)
                self._released.append(out[-1])
        return out

    @property
    def stopped(self) -> bool:
        return self._answer.stopped

    @property
    def decision(self) -> Decision:
        """The stream's decision (call after close): `text` is exactly what was released."""
        return self._answer.decision("".join(self._original), "".join(self._released))
