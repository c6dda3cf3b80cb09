"""Understanding latency per message: the model's reading alone, and reading plus planning, on held-out messages.

Each message is read uncached (the process keeps a cache of readings; the bench measures the model itself), one at
a time on the serving thread count, after a warm-up pass. The planner's figure adds slot values and resolution
against the demo customer's names (embedding lookups for categories included).
"""

from __future__ import annotations

from datetime import date

import yaml

from copilot.bench.stats import summary, timed_ms
from copilot.config import PROJECT_ROOT, Settings

HELDOUT = PROJECT_ROOT / "evals" / "intents" / "heldout.yaml"


def understanding_latency(settings: Settings, repeat: int) -> dict:
    from copilot.agent.planner import Planner
    from copilot.agent.state import DialogueState, load_profile
    from copilot.nlu.model import get_understanding
    from copilot.runtime import Runtime

    texts = [case["text"] for case in yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["cases"]]
    model, planner, state = get_understanding(), Planner(), DialogueState()
    with Runtime(settings).db.session() as session:
        profile = load_profile(session, "demo-debt")
    today = date(2026, 11, 28)
    model.read_many(texts[:32])
    reads, plans = [], []
    for _ in range(max(1, repeat // 2)):
        for text in texts:
            elapsed, reading = timed_ms(lambda t=text: model.compute(t))
            reads.append(elapsed)
            plans.append(elapsed + timed_ms(lambda r=reading: planner.plan(r, state, profile, today))[0])
    return {"read": summary(reads), "read_and_plan": summary(plans)}
