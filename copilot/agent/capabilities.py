"""The capability table (prompts/capabilities.yaml): what the copilot can do, as data, checked when it loads.

The planner is intent-agnostic: it scores every capability's triggers against what the understanding model read
and fills the winner's slots. Adding a capability is a row there, its examples, its tool and its template.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from copilot.prompts import PROMPTS

TABLE = PROMPTS / "capabilities.yaml"
ANSWERS = PROMPTS / "answers"
ANY = 0.9                # "action *" or "* topic": one of the two alone decides, a little below a pair that fits
NEAR_TIE = 0.9           # a runner-up this close to the top is as likely
SlotType = Literal["account", "amount", "cadence", "card", "category", "count", "currency", "day", "deadline",
                   "debt_accounts", "debts", "destination", "horizon", "merchant", "new_payee", "payee", "period",
                   "place", "recurrence", "secret", "sort", "source", "strategy", "text", "transaction"]


class CapabilityTableError(ValueError):
    """The table names something that does not exist, or leaves a tool unreachable."""


class Slot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: SlotType
    spans: list[str]
    arg: str | list[str] | None = None
    required: bool = False
    unless: list[str] = Field(default_factory=list)     # not required when all of these slots have a value
    default: str | float | None = None                  # the value when the message and the conversation give none
    ask: str | None = None
    cadence: Literal["with", "without"] | None = None
    among: Literal["active", "frozen", "debts"] | None = None   # cards in that state; accounts that are owed
    many: bool = False          # several values ("amazon, target and walmart") make one call each
    placeholder: Literal["ACCOUNT", "ROUTING", "NAME"] | None = None   # the vault placeholder the message may carry

    @property
    def args(self) -> list[str]:
        return [self.arg] if isinstance(self.arg, str) else list(self.arg or [])


class Trigger(BaseModel):
    action: str
    topic: str


class Capability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    phrase: str
    triggers: list[Trigger]
    examples: str
    tools: list[str] = Field(default_factory=list)
    lookup: str | None = None
    writes: bool = False
    slots: dict[str, Slot] = Field(default_factory=dict)
    args: dict = Field(default_factory=dict)
    topic_args: dict[str, dict] = Field(default_factory=dict)
    query: str | None = None
    data: dict = Field(default_factory=dict)
    reply: str | None = None
    follow_up: list[str] = Field(default_factory=list)
    route: Literal["answer", "handoff", "decline"] = "answer"
    flag: Literal["fraud", "complaint", "hardship"] | None = None     # remembered for the rest of the conversation
    offers: str | None = None      # a capability the listed items can be picked for next ("the olive garden one")
    money: Literal["in", "out"] | None = None   # the way the money it reports on goes
    opposite: str | None = None    # taken instead when the merchant named only ever moved money the other way
    switch: dict[str, str] = Field(default_factory=dict)   # slot -> capability taken instead when the slot has a value

    @field_validator("triggers", mode="before")
    @classmethod
    def _pairs(cls, value: list) -> list:
        return [dict(zip(("action", "topic"), item.split())) if isinstance(item, str) else item for item in value]

    @property
    def explains_only(self) -> bool:
        """Answers from the bank's documents alone (how to do it), with none of the customer's tools."""
        return self.tools == ["search_knowledge"]

    @property
    def tool(self) -> str | None:
        """The tool that does the capability's work (the last one; `lookup` and knowledge come first)."""
        return self.tools[-1] if self.tools else None

    def fixed_args(self, topics: list[str]) -> dict:
        extra = {}
        for topic in topics:
            extra.update(self.topic_args.get(topic, {}))
        return {**self.args, **extra}


class CapabilityTable(BaseModel):
    version: int
    capabilities: dict[str, Capability]

    def scored(self, actions: dict[str, float], topics: dict[str, float]) -> list[tuple[float, Capability, Trigger]]:
        """Every capability with its best trigger, most likely first: P(action) x P(topic)."""
        def score(trigger: Trigger) -> float:
            about = ANY if trigger.topic == "*" else topics.get(trigger.topic, 0.0)
            doing = ANY if trigger.action == "*" else actions.get(trigger.action, 0.0)
            return doing * about

        ranked = []
        for capability in self.capabilities.values():
            best = max(capability.triggers, key=score)
            ranked.append((score(best), capability, best))
        ranked.sort(key=lambda item: -item[0])
        if len(ranked) > 1 and ranked[0][1].explains_only and not ranked[1][1].explains_only and \
                ranked[1][2].action == ranked[0][2].action and ranked[1][0] >= NEAR_TIE * ranked[0][0]:
            ranked[:2] = ranked[1::-1]     # the same verb read two ways: doing it beats telling how to do it
        return ranked

    def writing_tools(self) -> set[str]:
        return {c.tool for c in self.capabilities.values() if c.writes and c.tool}


def capability_of(table: CapabilityTable, actions: dict[str, float], topics: dict[str, float]) -> str | None:
    score, capability, _ = table.scored(actions, topics)[0]
    return capability.name if score > 0 else None


def check(table: CapabilityTable) -> list[str]:
    """Everything wrong with the table, against the tool registry, the templates, the labels and the examples."""
    from copilot.nlu.data import example_sets, labels
    from tools import REGISTRY

    inventory, sets, problems = labels(), example_sets(), []
    reachable = set()
    for name, capability in table.capabilities.items():
        where = f"capability {name}"
        tools = capability.tools + ([capability.lookup] if capability.lookup else [])
        reachable.update(tools)
        problems += [f"{where}: unknown tool {t}" for t in tools if t not in REGISTRY]
        writes = any(REGISTRY[t].writes for t in capability.tools if t in REGISTRY)
        if writes != capability.writes:
            problems.append(f"{where}: writes is {capability.writes} but its tools {'do' if writes else 'do not'} write")
        replies = [capability.reply] if capability.reply else [t for t in capability.tools]
        problems += [f"{where}: no template {r}.j2" for r in replies if not (ANSWERS / f"{r}.j2").exists()]
        if capability.examples not in sets:
            problems.append(f"{where}: no example set {capability.examples}")
        for trigger in capability.triggers:
            if trigger.action not in (*inventory.actions, "*") or trigger.topic not in (*inventory.topics, "*") or \
                    trigger.action == trigger.topic == "*":
                problems.append(f"{where}: unknown trigger {trigger.action} {trigger.topic}")
        for slot_name, slot in capability.slots.items():
            problems += [f"{where}.{slot_name}: unknown span {s}" for s in slot.spans if s not in inventory.spans]
            if slot.type == "secret" and not slot.placeholder or slot.placeholder and slot.type not in ("secret", "text"):
                problems.append(f"{where}.{slot_name}: a secret slot names its vault placeholder (a text slot may)")
            if slot.ask and not (ANSWERS / f"{slot.ask}.j2").exists():
                problems.append(f"{where}.{slot_name}: no template {slot.ask}.j2")
            if slot.required and not slot.ask:
                problems.append(f"{where}.{slot_name}: a required slot needs an `ask` template")
            problems += [f"{where}.{slot_name}: unless names unknown slot {s}" for s in slot.unless
                         if s not in capability.slots]
        problems += [f"{where}: follow_up names unknown slot {s}" for s in capability.follow_up if s not in capability.slots]
        if capability.offers and capability.offers not in table.capabilities:
            problems.append(f"{where}: offers unknown capability {capability.offers}")
        for slot_name, other in capability.switch.items():
            if slot_name not in capability.slots or other not in table.capabilities:
                problems.append(f"{where}: switch {slot_name} -> {other} names an unknown slot or capability")
        if capability.opposite and (capability.opposite not in table.capabilities or not capability.money):
            problems.append(f"{where}: opposite needs `money` and a known capability, not {capability.opposite}")
    problems += [f"tool {t} is reachable from no capability" for t in REGISTRY if t not in reachable]
    seen: dict[tuple[str, str], str] = {}
    for name, capability in table.capabilities.items():
        for trigger in capability.triggers:
            key = (trigger.action, trigger.topic)
            if key in seen:
                problems.append(f"trigger {key[0]} {key[1]} belongs to both {seen[key]} and {name}")
            seen[key] = name
    return problems


@lru_cache(maxsize=1)
def capability_table() -> CapabilityTable:
    raw = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    table = CapabilityTable(version=raw["version"], capabilities={
        name: Capability(name=name, **body) for name, body in raw["capabilities"].items()})
    problems = check(table)
    if problems:
        raise CapabilityTableError("prompts/capabilities.yaml: " + "; ".join(problems))
    return table
