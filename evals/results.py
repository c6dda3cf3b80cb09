"""Evaluation results and their JSON (DESIGN.md §4.6): summary metrics, then every case with every turn.

Contract keys per turn: user, route, answer, tools [{name, args, allowed}], citations (KB doc ids), guard,
latency_ms, prompt_tokens, completion_tokens, failures. Extra keys: role, tool status, citation_handles
("doc-id#section"), scores; per case: suite, failures, runs (with --repeat).
With --repeat K a case passes only when all K runs pass (pass^k).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.checks import TurnScore


@dataclass
class TurnRecord:
    user: str
    role: str
    route: str
    answer: str
    tools: list[dict]
    citations: list[str]
    guard: dict
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    failures: list[str]
    score: TurnScore = field(default_factory=TurnScore)

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "role": self.role, "route": self.route, "answer": self.answer,
                "tools": [{"name": t["name"], "args": t.get("args") or {}, "allowed": bool(t.get("allowed")),
                           "status": t.get("status")} for t in self.tools],
                "citations": list(dict.fromkeys(c.split("#")[0] for c in self.citations)),
                "citation_handles": self.citations, "guard": self.guard, "latency_ms": self.latency_ms,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "failures": self.failures, "scores": self.score.to_dict()}


@dataclass
class CaseRun:
    """One run of one case: its turns and the case-level failures (final_state, set-up errors)."""

    turns: list[TurnRecord]
    failures: list[str] = field(default_factory=list)

    @property
    def all_failures(self) -> list[str]:
        """Every failure of the run, turn failures prefixed with their 1-based turn number."""
        return [f"turn {n}: {f}" for n, t in enumerate(self.turns, 1) for f in t.failures] + self.failures

    @property
    def passed(self) -> bool:
        return not self.all_failures


@dataclass
class CaseResult:
    id: str
    suite: str
    runs: list[CaseRun]

    @property
    def passed(self) -> bool:
        return all(run.passed for run in self.runs)

    @property
    def shown(self) -> CaseRun:
        """The run the report shows: the first failing one, else the first."""
        return next((run for run in self.runs if not run.passed), self.runs[0])

    def to_json(self) -> dict[str, Any]:
        run = self.shown
        turns = [t.to_json() for t in run.turns]
        if turns and run.failures:                       # case-level failures also sit on the last turn
            turns[-1]["failures"] = turns[-1]["failures"] + run.failures
        data = {"id": self.id, "passed": self.passed, "suite": self.suite, "turns": turns,
                "failures": run.all_failures}
        if len(self.runs) > 1:
            data["runs"] = [{"passed": r.passed, "failures": r.all_failures} for r in self.runs]
        return data


@dataclass
class RunResult:
    cases: list[CaseResult]
    summary: dict[str, Any]
    gates: list[dict[str, Any]]
    meta: dict[str, Any]

    @property
    def gates_passed(self) -> bool:
        return all(g["passed"] for g in self.gates)

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "gates": self.gates, "gates_passed": self.gates_passed, "meta": self.meta,
                "cases": [c.to_json() for c in self.cases]}

    def write(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
