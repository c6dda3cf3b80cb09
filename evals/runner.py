"""Runs scenario cases through the real Copilot: a fresh copy of the demo bank per case run, K runs per case.

Per turn: apply the turn's consent changes, send the message (as the customer or a support agent), replay the
read tools for evidence, then judge the turn. After the last turn: the final_state assertions. An exception in
a turn or in set-up is recorded as a failure ("error: ..."), never raised: one broken case cannot stop a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from copilot.agent.loop import Copilot
from copilot.config import Settings
from evals import state
from evals.bank import CaseBank, DemoBank
from evals.checks import judge
from evals.evidence import ConversationEvidence, leaks
from evals.loader import LoadedCase
from evals.results import CaseResult, CaseRun, TurnRecord
from evals.schema import Case, Turn

SUPPORT_ACTOR = "agent:eval"
WARM_UP = ("hello", "what's my balance?", "what does an international wire cost?")   # not scored


def _error(turn: Turn, exc: Exception) -> TurnRecord:
    return TurnRecord(user=turn.user, role=turn.role, route="error", answer="", tools=[], citations=[], guard={},
                      latency_ms=0.0, prompt_tokens=0, completion_tokens=0,
                      failures=[f"error: {type(exc).__name__}: {exc}"])


class Runner:
    """Owns the seeded template bank and one Copilot; runs cases one after another in this process.

    The Copilot (planner, agent graph) is built once; each case run points it at that run's own bank copy.
    """

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.bank = DemoBank(settings, workdir)
        self._copilot: Copilot | None = None

    def copilot_for(self, bank: CaseBank) -> Copilot:
        if self._copilot is None:
            self._copilot = Copilot(bank.runtime)
        self._copilot.runtime = bank.runtime
        return self._copilot

    def warm_up(self, customer_id: str = "demo-debt") -> float:
        """Load the local models, KB index and caches with a throwaway conversation (on the offline provider, so an
        LLM endpoint sees only the cases), so latency figures describe warm turns."""
        started = time.perf_counter()
        bank = self.bank.open(Case(id="warm-up", customer=customer_id, consents="all",
                                   turns=[Turn(user=text) for text in WARM_UP]))
        try:
            copilot = Copilot(bank.runtime, provider="offline")
            conversation_id = copilot.start(customer_id, channel="eval")
            for text in WARM_UP:
                copilot.send(conversation_id, text)
        finally:
            bank.close()
        return round(time.perf_counter() - started, 1)

    def run(self, cases: list[LoadedCase], repeat: int = 1,
            on_run: Callable[[LoadedCase, CaseRun], None] | None = None) -> list[CaseResult]:
        results = []
        for loaded in cases:
            runs = []
            for _ in range(repeat):
                runs.append(self.run_case(loaded))
                if on_run:
                    on_run(loaded, runs[-1])
            results.append(CaseResult(loaded.case.id, loaded.suite, runs))
        return results

    def run_case(self, loaded: LoadedCase) -> CaseRun:
        case = loaded.case
        try:
            bank = self.bank.open(case)
        except Exception as exc:                          # noqa: BLE001 - reported as the case's failure
            return CaseRun([], [f"error: set-up failed: {type(exc).__name__}: {exc}"])
        try:
            copilot = self.copilot_for(bank)
            conversation_id = copilot.start(case.customer, channel="eval")
            evidence = ConversationEvidence(self.bank.identities[case.customer])
            turns: list[TurnRecord] = []
            for turn in case.turns:
                turns.append(self.run_turn(copilot, bank, conversation_id, turn, evidence))
                if turns[-1].route == "error":
                    break
            with bank.runtime.db.session() as session:
                failures = state.check(session, case.customer, case.final_state)
            return CaseRun(turns, failures)
        except Exception as exc:                          # noqa: BLE001 - reported as the case's failure
            return CaseRun([], [f"error: {type(exc).__name__}: {exc}"])
        finally:
            bank.close()

    @staticmethod
    def run_turn(copilot: Copilot, bank: CaseBank, conversation_id: str, turn: Turn,
                 evidence: ConversationEvidence) -> TurnRecord:
        try:
            bank.change(turn)
            granted = set(bank.granted)
            actor = turn.actor or (SUPPORT_ACTOR if turn.role == "support_agent" else None)
            result = copilot.send(conversation_id, turn.user, role=turn.role, actor=actor).to_dict()
            evidence.add_turn(bank, conversation_id, turn.role, turn.user, result["tools"])
            grounding = evidence.grounding(result["answer"])
        except Exception as exc:                          # noqa: BLE001 - reported as the turn's failure
            return _error(turn, exc)
        found = leaks(result["answer"], evidence.identity)
        failures, score = judge(turn.expect, result, role=turn.role, granted=granted, leaks=found,
                                grounding=grounding)
        return TurnRecord(user=turn.user, role=turn.role, route=result["route"], answer=result["answer"],
                          tools=result["tools"], citations=result["citations"], guard=result["guard"],
                          latency_ms=result["latency_ms"], prompt_tokens=result["prompt_tokens"],
                          completion_tokens=result["completion_tokens"], failures=failures, score=score)
