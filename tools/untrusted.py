"""Tool arguments and errors that carry the customer's words, cleaned on the way in (copilot.compliance.untrusted:
PII masked, instructions neutralised). The compliance stack loads on first use, so importing the tools stays cheap."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field


def clean(text: str, *, names: bool = True) -> str:
    from copilot.compliance.untrusted import customer_field

    return customer_field(text, names=names)


def customer_text(max_length: int) -> type[str]:
    """The type of an argument the customer's words fill (a goal name, dispute details, a hand-off reason): cleaned
    and cut to `max_length`, so the stored row, the confirmation summary and every later echo hold only that."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(lambda v: clean(v)[:max_length])]
