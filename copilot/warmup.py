"""Loading what a first turn needs before anyone waits for it (the server before serving, the terminal chat before
its first prompt): the agent, the understanding model, the knowledge index, the input guard."""

from __future__ import annotations

from collections.abc import Callable

from copilot.runtime import Runtime


def _agent(runtime: Runtime, copilot) -> None:
    _ = copilot.agent


def _understanding(runtime: Runtime, copilot) -> None:
    from copilot.nlu.model import get_understanding

    get_understanding().read("warm up")


def _knowledge(runtime: Runtime, copilot) -> None:
    runtime.retriever.search("warm up", k=1)


def _guard(runtime: Runtime, copilot) -> None:
    from copilot.compliance.input_guard import guard_input

    guard_input("warm up")


STEPS: tuple[tuple[str, Callable], ...] = (
    ("preparing the copilot", _agent), ("loading the understanding model", _understanding),
    ("opening the knowledge base", _knowledge), ("loading the safety checks", _guard))


def warm_up(runtime: Runtime, copilot, on_step: Callable[[str], None] | None = None) -> None:
    """Run every step, telling `on_step` what is being loaded before each one."""
    for label, step in STEPS:
        if on_step:
            on_step(label)
        step(runtime, copilot)
