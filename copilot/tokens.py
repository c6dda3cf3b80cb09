"""Token counting with tiktoken (offline-seeded), used for context budgets and eval token figures."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

from copilot.offline import go_offline


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    go_offline()
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
