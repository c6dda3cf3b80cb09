"""Forgiving value matching for expectations on tool arguments and database rows.

Strings compare case-insensitively (ignoring surrounding spaces and `_`/`-`/space differences), numbers within
1% or one cent, dates by ISO text; a dict matches when each expected key matches, a list when each expected item
matches some actual item. A one-key dict whose key is an operator tests instead of comparing:
{contains: text}, {in: [..]}, {gte: n}, {lte: n}, {not: value}, {exists: bool}.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

OPERATORS = ("contains", "in", "gte", "lte", "not", "exists")
REL_TOLERANCE = 0.01
ABS_TOLERANCE = 0.01
_SEPARATORS = re.compile(r"[\s_-]+")


def _text(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return _SEPARATORS.sub(" ", str(value)).strip().casefold()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return None


def is_operator(expected: Any) -> bool:
    return isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in OPERATORS


def _operator(op: str, operand: Any, actual: Any) -> bool:
    if op == "exists":
        return (actual is not None) == bool(operand)
    if op == "not":
        return not matches(operand, actual)
    if op == "in":
        return any(matches(option, actual) for option in operand)
    if op == "contains":
        if isinstance(actual, (list, tuple)):
            return any(matches(operand, item) for item in actual)
        return _text(operand) in _text(actual)
    number = _number(actual)
    bound = _number(operand)
    if number is None or bound is None:
        return False
    slack = max(ABS_TOLERANCE, REL_TOLERANCE * abs(bound))
    return number >= bound - slack if op == "gte" else number <= bound + slack


def matches(expected: Any, actual: Any) -> bool:
    """Whether `actual` satisfies `expected` (see the module docstring for the rules)."""
    if is_operator(expected):
        op, operand = next(iter(expected.items()))
        return _operator(op, operand, actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(matches(v, actual.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, (list, tuple)) and all(any(matches(e, a) for a in actual) for e in expected)
    if expected is None or isinstance(expected, bool):
        return actual == expected
    if isinstance(expected, (int, float)):
        number = _number(actual)
        return number is not None and math.isclose(number, expected, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)
    return actual is not None and _text(expected) == _text(actual)


def describe(value: Any) -> str:
    """A short rendering of a value for a failure message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
