"""A pending write runs only on an unambiguous yes to that action: evals/confirm/replies.yaml (written and labelled
before the fix) and replies_after.yaml (written after it, labelled before it was run).

Each reply is read by the shipped understanding model and judged by the same rule the loop applies. Replies that
name a card, amount or date answer their own proposal (F freeze, B budget, D dispute).
"""

from __future__ import annotations

from datetime import date

import yaml

from copilot.agent import dialogue
from copilot.config import PROJECT_ROOT
from copilot.nlu.model import get_understanding

CORPUS = [PROJECT_ROOT / "evals" / "confirm" / name for name in ("replies.yaml", "replies_after.yaml")]
TODAY = date(2026, 11, 28)
PROPOSALS = {
    "F": {"id": "act-f", "tool": "freeze_card",
          "summary": "Freeze your HomeStyle Store Card card ending 9351 (lost card): new purchases and withdrawals "
                     "will be declined until you unfreeze it; recurring payments set up before keep going."},
    "B": {"id": "act-b", "tool": "set_budget", "summary": "Create a dining budget of $300.00 a month"},
    "D": {"id": "act-d", "tool": "dispute_transaction",
          "summary": "Dispute the $64.82 charge at Olive Garden on 2026-11-24 as a duplicate charge"},
}


def _decisions() -> list[tuple[dict, str | None]]:
    replies = [reply for path in CORPUS for reply in yaml.safe_load(path.read_text())]
    readings = get_understanding().read_many([r["text"] for r in replies])
    return [(reply, dialogue.decide(reading, [PROPOSALS[reply.get("proposal", "F")]], TODAY))
            for reply, reading in zip(replies, readings)]


def test_no_reply_that_is_not_a_clear_yes_runs_the_action():
    executed = [(r["text"], r["label"]) for r, decision in _decisions() if r["label"] != "affirm" and decision == "affirm"]
    assert not executed, f"ran on replies that are not a clear yes: {executed}"


def test_clear_yeses_run_the_action():
    yeses = [(r["text"], decision) for r, decision in _decisions() if r["label"] == "affirm"]
    missed = [text for text, decision in yeses if decision != "affirm"]
    share = 1 - len(missed) / len(yeses)
    print(f"\nclear affirmations executed: {share:.3f} of {len(yeses)}")
    assert share >= 0.95, f"{share:.2%} of clear yeses ran; missed: {missed}"


def test_clear_noes_cancel():
    noes = [(r["text"], decision) for r, decision in _decisions() if r["label"] == "deny"]
    cancelled = sum(decision == "deny" for _, decision in noes)
    assert cancelled / len(noes) >= 0.85, [text for text, decision in noes if decision != "deny"]
