"""TurnContext: what one assistant turn carries through the LangChain loop (the agent's runtime context)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from copilot.agent.state import DialogueState, Profile
from copilot.context import KnowledgeHit, ToolContext

if TYPE_CHECKING:
    from copilot.agent.planner import Plan, Planner
    from tools.spec import ToolOutcome


@dataclass
class TurnContext:
    """Per-turn context: tools read `tool_ctx`; the offline model reads and fills `plan`; outcomes pile up here."""

    tool_ctx: ToolContext
    state: DialogueState
    profile: Profile
    user_text: str
    planner: Planner | None = None
    plan: Plan | None = None
    outcomes: list[ToolOutcome] = field(default_factory=list)
    hits: list[KnowledgeHit] = field(default_factory=list)       # KB chunks the answer may cite
    untrusted_rules: list[str] = field(default_factory=list)     # injection found inside tool/KB text

    def outcome(self, name: str) -> ToolOutcome | None:
        return next((o for o in reversed(self.outcomes) if o.name == name), None)

    @property
    def citations(self) -> list[str]:
        return list(dict.fromkeys(h.citation for h in self.hits))
