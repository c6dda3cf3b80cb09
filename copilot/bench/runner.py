"""Runs the figure families in one process on one private workspace, and writes the results JSON.

Order matters on a small machine: the in-process families run first, then the HTTP family starts its servers
(the bench process is idle meanwhile). A family that fails is recorded with its error; the others still run.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from copilot.bench.workspace import Workspace
from copilot.config import Settings, load_settings


@dataclass(frozen=True)
class Plan:
    """How much to measure: passes over the route messages, texts, questions, documents, HTTP levels."""

    repeat: int
    guard_messages: int
    questions: int | None           # None: the whole retrieval set
    documents: int | None           # None: the whole corpus
    workers: tuple[int, ...]
    levels: tuple[int, ...]
    turns: tuple[int, ...]          # turns per conversation at each level

    @property
    def turns_by_level(self) -> dict[int, int]:
        return dict(zip(self.levels, self.turns))


FULL = Plan(repeat=6, guard_messages=200, questions=None, documents=None, workers=(1, 2), levels=(8, 32, 128),
            turns=(6, 3, 2))
QUICK = Plan(repeat=2, guard_messages=40, questions=30, documents=6, workers=(1,), levels=(8, 32), turns=(2, 1))
FLEET = Plan(repeat=0, guard_messages=0, questions=0, documents=0, workers=(1, 2, 4), levels=(8, 32), turns=(6, 3))
FAMILIES = ("understanding", "turns", "compliance", "retrieval", "llm_context", "http")   # the default run; + "fleet"


def _family(name: str, plan: Plan, workspace: Workspace, inprocess: Settings) -> Callable[[], dict]:
    """The call that measures one family (imported lazily: each pulls in its own heavy dependencies)."""
    if name == "understanding":
        from copilot.bench.understanding import understanding_latency
        return lambda: understanding_latency(inprocess, plan.repeat)
    if name == "turns":
        from copilot.bench.turns import route_latency
        return lambda: route_latency(inprocess, plan.repeat)
    if name == "compliance":
        from copilot.bench.compliance import overhead
        return lambda: overhead(plan.guard_messages)
    if name == "retrieval":
        from copilot.bench.retrieval import retrieval
        return lambda: retrieval(inprocess, plan.questions, plan.documents)
    if name == "llm_context":
        from copilot.bench.llm_context import context_tokens
        return lambda: context_tokens(workspace.base, inprocess.data_dir)
    if name == "http":
        from copilot.bench.serving import serving
        return lambda: serving(workspace, plan.workers, plan.levels, plan.turns_by_level)
    if name == "fleet":
        from copilot.bench.fleet import fleet
        return lambda: fleet(workspace, plan.workers, plan.levels, plan.turns_by_level)
    raise ValueError(f"unknown figure family {name!r}; use one of {', '.join(FAMILIES)} or fleet")


def run(plan: Plan, base: Settings | None = None, families: tuple[str, ...] = FAMILIES,
        progress: Callable[[str], None] = lambda _: None) -> dict:
    """{"meta": {...}, "figures": {family: figures or {"error": ...}}} for the chosen families."""
    started = time.perf_counter()
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "python": platform.python_version(), "machine": platform.machine(), "plan": asdict(plan),
            "load_average_start": round(os.getloadavg()[0], 2), "seconds": {}}
    figures: dict[str, dict] = {}
    with Workspace(base or load_settings()) as workspace:
        inprocess = workspace.copy("inprocess")
        for name in families:
            progress(name)
            clock = time.perf_counter()
            try:
                figures[name] = _family(name, plan, workspace, inprocess)()
            except Exception as exc:                  # noqa: BLE001 - one broken family must not hide the others
                figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
            meta["seconds"][name] = round(time.perf_counter() - clock, 1)
    meta["load_average_end"] = round(os.getloadavg()[0], 2)
    meta["seconds"]["total"] = round(time.perf_counter() - started, 1)
    return {"meta": meta, "figures": figures}


def default_path(now: datetime | None = None) -> Path:
    return Path("bench-results") / f"bench-{(now or datetime.now()):%Y%m%d-%H%M%S}.json"


def write(results: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return path
