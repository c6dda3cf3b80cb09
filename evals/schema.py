"""The scenario case format (DESIGN.md §4.5) as pydantic models, plus the compatible extensions this harness reads.

Contract fields: id, customer, consents (all | none | [scope]), turns[].user, turns[].expect.{route, tools,
tools_any, no_tools, cites, contains, not_contains}, final_state. Extensions: `consents: seeded` (the demo bank's
onboarding grants; the default), per-turn role/actor and consent changes (grant/revoke/expire, applied before that
turn's message), expect.args ({tool: {argument: value}}, judged on that tool's calls when it was called; see
matching.py), expect.untrusted (injected text in tool/KB data must, or must not, be flagged), a `contains` or
`cites` item that is a list (any of them), a case `setup` that plants transactions or knowledge passages, and
metadata (description, tags, notes). Shapes, routes and scopes are checked here; loader.py checks the names that
live elsewhere (customers, tools and their arguments, KB documents, database tables) and adds the file context.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from copilot.consent import SCOPES
from evals import state

ROUTES = ("answer", "clarify", "consent_required", "confirm", "handoff", "decline", "blocked")
CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class Strict(BaseModel):
    """Unknown keys are errors: a typo such as `tool:` must not silently weaken a case."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _listify(value: Any) -> Any:
    """A lone string where a list is expected (`contains: month`) is read as a one-item list."""
    return [value] if isinstance(value, str) else value


def _scopes(values: list[str]) -> list[str]:
    unknown = [s for s in values if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown consent scope(s) {unknown}; known: {', '.join(SCOPES)}")
    return values


class Expect(Strict):
    """What one assistant turn must show. None means "not constrained" (distinct from an empty list)."""

    route: str | list[str] | None = None
    tools: list[str] | None = None
    tools_any: list[str] | None = None
    no_tools: list[str] = Field(default_factory=list)
    cites: list[str | list[str]] | None = None
    contains: list[str | list[str]] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    args: dict[str, dict[str, Any]] = Field(default_factory=dict)
    untrusted: bool | None = None

    _lists = field_validator("tools", "tools_any", "no_tools", "cites", "contains", "not_contains",
                             mode="before")(_listify)

    @field_validator("route")
    @classmethod
    def _known_routes(cls, value):
        routes = [value] if isinstance(value, str) else value
        if routes is not None:
            unknown = [r for r in routes if r not in ROUTES]
            if unknown or not routes:
                raise ValueError(f"{unknown or 'an empty list'} is not a route; routes are {', '.join(ROUTES)}")
        return value

    @property
    def routes(self) -> list[str] | None:
        return [self.route] if isinstance(self.route, str) else self.route

    @property
    def cite_options(self) -> list[list[str]]:
        """Each `cites` item as its alternatives: "doc-id", "doc-id#section", or a list meaning any of them."""
        return [[item] if isinstance(item, str) else item for item in self.cites or []]

    def tool_names(self) -> list[str]:
        """Every tool name the expectation mentions (for validation against the registry)."""
        return [*(self.tools or []), *(self.tools_any or []), *self.no_tools, *self.args]


class Turn(Strict):
    """One user message, who sends it, the consent changes made just before it, and what must follow."""

    user: str = Field(min_length=1)
    role: Literal["customer", "support_agent"] = "customer"
    actor: str | None = None
    grant: list[str] = Field(default_factory=list)
    revoke: list[str] = Field(default_factory=list)
    expire: list[str] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)

    _lists = field_validator("grant", "revoke", "expire", mode="before")(_listify)

    @field_validator("grant", "revoke", "expire")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        return _scopes(value)

    @model_validator(mode="after")
    def _one_change_per_scope(self) -> Turn:
        changed = [*self.grant, *self.revoke, *self.expire]
        twice = sorted({s for s in changed if changed.count(s) > 1})
        if twice:
            raise ValueError(f"scope(s) {twice} appear in more than one of grant/revoke/expire in the same turn")
        return self


class PlantedTransaction(Strict):
    """A transaction added to the case's bank before the conversation (e.g. an injected description)."""

    account: str = Field(description="account id (or its suffix, e.g. chk), name or last four digits")
    merchant: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=250)
    amount: float = Field(description="negative = money out")
    days_ago: int = Field(default=1, ge=0, le=390)
    category: str = "shopping"
    channel: str = "online"
    card: str | None = Field(default=None, description="card id, name or last four digits")
    country: str = "US"
    status: Literal["pending", "posted"] = "posted"


class PlantedPassage(Strict):
    """A knowledge-base passage every search in this case returns first (e.g. a poisoned document)."""

    doc_id: str
    section: str
    title: str = "Planted passage"
    text: str = Field(min_length=1)


class Setup(Strict):
    transactions: list[PlantedTransaction] = Field(default_factory=list)
    knowledge: list[PlantedPassage] = Field(default_factory=list)


class Case(Strict):
    """One scenario: a persona, its consents, the turns, and optional final database assertions."""

    id: str = Field(pattern=CASE_ID)
    customer: str
    consents: Literal["all", "none", "seeded"] | list[str] = "seeded"
    turns: list[Turn] = Field(min_length=1)
    final_state: dict[str, Any] = Field(default_factory=dict)
    setup: Setup = Field(default_factory=Setup)
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("consents", mode="before")
    @classmethod
    def _one_scope(cls, value):
        return [value] if isinstance(value, str) and ":" in value else value

    @field_validator("consents")
    @classmethod
    def _consent_scopes(cls, value):
        return _scopes(value) if isinstance(value, list) else value

    @field_validator("final_state")
    @classmethod
    def _final_state_form(cls, value: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return state.normalize(value)
