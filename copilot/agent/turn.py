"""TurnContext (what one assistant turn carries through the loop) and Frame (what the offline model may see)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage, SystemMessage

from copilot.agent.state import AccountInfo, CardInfo, DialogueState, PayeeInfo, Profile
from copilot.context import KnowledgeHit, ToolContext

if TYPE_CHECKING:
    from copilot.agent.plans import Plan
    from tools.spec import ToolOutcome

FRAME_MARK = "copilot-frame"


@dataclass
class ModelRun:
    """The model side of one turn: its deadline, the tools offered and refused, tokens, and every exchange."""

    deadline: float = float("inf")                               # time.monotonic() by which the model must answer
    calls: int = 0
    offered: set[str] | None = None                              # None: every tool (the offline model)
    refused: dict[str, ToolOutcome] = field(default_factory=dict)   # tool call id -> its audited refusal
    prompt_tokens: int = 0
    completion_tokens: int = 0
    steps: list[dict] = field(default_factory=list)              # requests and responses, for the trace


@dataclass
class TurnContext:
    """Per-turn context for the loop and the tools: outcomes and knowledge hits pile up here; the offline model
    never reads it (it sees the Frame and the messages)."""

    tool_ctx: ToolContext
    state: DialogueState
    profile: Profile
    user_text: str
    plan: Plan | None = None
    hint: str | None = None                                      # LLM path: the route the capability table suggests
    outcomes: list[ToolOutcome] = field(default_factory=list)
    hits: list[KnowledgeHit] = field(default_factory=list)       # KB chunks the answer may cite
    untrusted_rules: list[str] = field(default_factory=list)     # injection found inside tool/KB text
    pending: list[dict] = field(default_factory=list)            # writes waiting for the customer's yes
    consents: list[dict] = field(default_factory=list)           # the customer's active consents (for the answer)
    scopes: frozenset[str] = frozenset()                           # the scopes they grant, read once at the turn's start
    offer: str | None = None                                     # a capability the answer offers to carry out anew
    model: ModelRun = field(default_factory=ModelRun)
    abandoned: list[ToolOutcome] = field(default_factory=list)   # calls of a model attempt that failed mid-turn

    def outcome(self, name: str) -> ToolOutcome | None:
        return next((o for o in reversed(self.outcomes) if o.name == name), None)

    @property
    def citations(self) -> list[str]:
        return list(dict.fromkeys(h.citation for h in self.hits))

    @property
    def handed_off(self) -> bool:
        return any(o.name == "handoff_to_agent" and o.status == "ok" for o in self.outcomes)


@dataclass
class Frame:
    """Everything the offline model knows besides the messages: the dialogue state, the customer's names, the
    day, who is asking and what they share (pydantic-ai FunctionModel style: no hidden shared object)."""

    state: DialogueState
    profile: Profile
    today: date
    role: str = "customer"
    consents: list[dict] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)          # summaries of the writes waiting for a yes

    def message(self) -> SystemMessage:
        body = {"state": self.state.model_dump(), "profile": asdict(self.profile), "today": self.today.isoformat(),
                "role": self.role, "consents": self.consents, "waiting": self.waiting}
        return SystemMessage(json.dumps(body, default=str), name=FRAME_MARK)

    @classmethod
    def of(cls, messages: list[BaseMessage]) -> Frame:
        message = next(m for m in messages if isinstance(m, SystemMessage) and m.name == FRAME_MARK)
        body = json.loads(str(message.content))
        profile = dict(body["profile"])
        profile["cards"] = [CardInfo(**c) for c in profile["cards"]]
        profile["accounts"] = [AccountInfo(**a) for a in profile["accounts"]]
        profile["payees"] = [PayeeInfo(**p) for p in profile["payees"]]
        return cls(state=DialogueState.model_validate(body["state"]), profile=Profile(**profile),
                   today=date.fromisoformat(body["today"]), role=body["role"], consents=body["consents"],
                   waiting=body["waiting"])
