"""Gates: the thresholds in evals/gates.yaml (one versioned file) applied to a run's summary metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

GATES_FILE = Path(__file__).resolve().parent / "gates.yaml"


class GatesError(ValueError):
    """The gates file is malformed; the message names the gate and the problem."""


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str                 # min | max
    threshold: float
    guards: str = ""

    def judge(self, value: float | None) -> dict[str, Any]:
        applies = value is not None
        passed = not applies or (value >= self.threshold if self.op == "min" else value <= self.threshold)
        return {**asdict(self), "value": value, "applies": applies, "passed": passed}


def _gate(metric: str, body: Any, source: Path) -> Gate:
    if not isinstance(body, dict) or len({"min", "max"} & set(body)) != 1:
        raise GatesError(f"{source}: gate {metric!r} needs exactly one of min / max")
    op = "min" if "min" in body else "max"
    if not isinstance(body[op], (int, float)) or isinstance(body[op], bool):
        raise GatesError(f"{source}: gate {metric!r} {op} must be a number, got {body[op]!r}")
    return Gate(metric, op, float(body[op]), str(body.get("guards", "")).strip())


def load_gates(path: Path = GATES_FILE, provider: str = "offline") -> tuple[int, list[Gate]]:
    """(version, gates) for a provider: the defaults, with that provider kind's overrides applied."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data.get("gates"), dict):
        raise GatesError(f"{path}: expected a `gates:` mapping of metric -> {{min|max: value}}")
    bodies = dict(data["gates"])
    bodies.update((data.get("providers") or {}).get(provider.partition(":")[0]) or {})
    return int(data.get("version", 0)), [_gate(metric, body, Path(path)) for metric, body in bodies.items()]


def judge(summary: dict[str, Any], gates: list[Gate]) -> list[dict[str, Any]]:
    """One verdict per gate; a metric missing from the summary is an error in the gates file."""
    unknown = [g.metric for g in gates if g.metric not in summary]
    if unknown:
        raise GatesError(f"gates on unknown metric(s) {unknown}; metrics: {', '.join(summary)}")
    return [gate.judge(summary[gate.metric]) for gate in gates]
