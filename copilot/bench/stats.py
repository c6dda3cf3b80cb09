"""Summaries of repeated measurements: median and p95 (nearest rank), and a wall-clock timer."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: list[float], unit: str = "ms", digits: int = 2) -> dict[str, Any]:
    """{"unit", "n", "median", "p95", "min", "max"} of repeated measurements (zeros when there are none)."""
    if not samples:
        return {"unit": unit, "n": 0, "median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0}
    return {"unit": unit, "n": len(samples), "median": round(statistics.median(samples), digits),
            "p95": round(percentile(samples, 95), digits), "min": round(min(samples), digits),
            "max": round(max(samples), digits)}


def ratio(numerator: float, denominator: float, digits: int = 2) -> float:
    return round(numerator / denominator, digits) if denominator else 0.0


def timed_ms(func: Callable[[], Any]) -> tuple[float, Any]:
    """(wall milliseconds, result) of one call."""
    started = time.perf_counter()
    result = func()
    return (time.perf_counter() - started) * 1000, result
