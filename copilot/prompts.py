"""Loads versioned prompt text from prompts/ (the system prompt; answer templates live in prompts/answers)."""

from __future__ import annotations

from functools import lru_cache

from copilot.config import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"


@lru_cache(maxsize=8)
def read_prompt(name: str) -> str:
    """The text of prompts/<name>, without its leading version comment."""
    text = (PROMPTS / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("<!-- prompt:")).strip()


def system_prompt(customer_name: str = "the customer") -> str:
    return read_prompt("system.md").replace("{customer_name}", customer_name)
