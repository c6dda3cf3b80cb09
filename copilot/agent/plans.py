"""What the planner hands the offline model: the plan of a turn, its tool calls, and a question it must ask."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from copilot.agent.state import Awaiting


@dataclass
class ToolCall:
    name: str
    args: dict


@dataclass
class Plan:
    """What the offline model does this turn and what the dialogue state should remember afterwards."""

    capability: str | None
    confidence: float = 0.0
    route: str = "answer"
    calls: list[ToolCall] = field(default_factory=list)
    reply: str | None = None                  # a template said before the tools' answers (after them: ask_after)
    data: dict = field(default_factory=dict)
    also: list[str] = field(default_factory=list)
    awaiting: Awaiting | None = None
    slots: dict = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)

    @property
    def capabilities(self) -> list[str]:
        return [c for c in (self.capability, *self.also) if c]

    def to_dict(self) -> dict:
        return {**asdict(self), "awaiting": self.awaiting.model_dump() if self.awaiting else None}

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        data = dict(data)
        data["calls"] = [ToolCall(**c) for c in data.get("calls", [])]
        data["awaiting"] = Awaiting(**data["awaiting"]) if data.get("awaiting") else None
        return cls(**data)


class Ask(Exception):
    """A slot the copilot must ask about: missing, ambiguous or nonsensical."""

    def __init__(self, slot: str, problem: str | None = None, options: list[dict] | None = None, **data) -> None:
        super().__init__(problem or slot)
        self.slot, self.problem, self.options, self.data = slot, problem, options or [], data
