"""Tool specifications: the `@tool` decorator, REGISTRY, the call object a tool body receives, errors and outcomes.

A tool body is a plain typed function `(call: Call, args: ArgsModel) -> dict`. It never checks consent:
the runner does that from the scopes declared here. Running tools lives in runner.py / actions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from copilot.consent import SCOPES, ConsentState
from copilot.context import ToolContext
from copilot.store.models import Customer

Status = Literal["ok", "consent_required", "confirm", "invalid_args", "step_up_required", "not_found", "error"]


class ToolArgs(BaseModel):
    """Base of every argument model: unknown keys are an error the model can repair, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ToolError(Exception):
    """A tool refused to run for a reason the caller can act on; `status` becomes the outcome status."""

    status: Status = "error"


class InvalidArgs(ToolError):
    status = "invalid_args"


class NotFound(ToolError):
    status = "not_found"


class OutOfWindow(ToolError):
    """Everything asked for lies before the transaction lookback the customer granted."""

    def __init__(self, visible_from: date) -> None:
        super().__init__(f"that period is older than the {visible_from.isoformat()} start of the transaction "
                         "history you shared")
        self.visible_from = visible_from


@dataclass(frozen=True)
class Proposal:
    """What a write tool would do: the plain summary shown before confirmation and the arguments to run with."""

    summary: str
    args: dict[str, Any]
    requires_step_up: bool = False


@dataclass(frozen=True)
class NoChange:
    """A write that would change nothing (e.g. the card is already frozen): answered at once, no confirmation."""

    result: dict[str, Any]


@dataclass
class Call:
    """What a tool body may use: the context, an open session and the consent state (for the lookback window)."""

    ctx: ToolContext
    session: Session
    consent: ConsentState

    @property
    def today(self) -> date:
        return self.ctx.now.date()

    @cached_property
    def customer(self) -> Customer:
        customer = self.session.get(Customer, self.ctx.customer_id)
        if customer is None:
            raise NotFound(f"unknown customer {self.ctx.customer_id!r}")
        return customer

    @property
    def visible_from(self) -> date | None:
        """First day of transaction history the customer's consent lets tools see (None: no limit)."""
        earliest = self.consent.earliest_visible(self.ctx.now)
        return None if earliest is None else earliest.date()


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, LLM-facing description, argument model, consent scopes and whether it writes."""

    name: str
    description: str
    args_model: type[ToolArgs]
    scopes: tuple[str, ...]
    writes: bool
    func: Callable[[Call, Any], dict]
    prepare: Callable[[Call, Any], Proposal | NoChange] | None = None
    scopes_for: Callable[[Any], tuple[str, ...]] | None = field(default=None, repr=False)

    def required_scopes(self, args: BaseModel) -> tuple[str, ...]:
        """The scopes this particular call needs (some tools need none for hypothetical inputs)."""
        return self.scopes_for(args) if self.scopes_for else self.scopes


REGISTRY: dict[str, ToolSpec] = {}


def tool(*, scopes: tuple[str, ...] = (), writes: bool = False,
         prepare: Callable[[Call, Any], Proposal | NoChange] | None = None,
         scopes_for: Callable[[Any], tuple[str, ...]] | None = None) -> Callable:
    """Register a tool: the name is the function's, the description its docstring, the args model its annotation."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}")
    if writes != (prepare is not None):
        raise ValueError("a write tool needs a prepare step (and only a write tool has one)")

    def register(func: Callable) -> Callable:
        args_model = get_type_hints(func)["args"]
        if func.__name__ in REGISTRY:
            raise ValueError(f"tool {func.__name__!r} registered twice")
        REGISTRY[func.__name__] = ToolSpec(name=func.__name__, description=" ".join((func.__doc__ or "").split()),
                                           args_model=args_model, scopes=tuple(scopes), writes=writes, func=func,
                                           prepare=prepare, scopes_for=scopes_for)
        return func

    return register


class ToolOutcome(BaseModel):
    """The JSON-serialisable result of running, confirming or cancelling a tool call."""

    name: str
    args: dict[str, Any]
    status: Status
    allowed: bool
    result: dict[str, Any] | None = None
    consent: dict[str, Any] | None = None
    pending_action: dict[str, Any] | None = None
    error: str | None = None
    latency_ms: float = 0.0
    replayed: bool = False          # a retried confirmation: the recorded result of the first one


def _inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    """Resolve $ref against $defs and drop pydantic's titles: small local models handle flat schemas best."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline_refs(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in schema.items() if k not in ("title", "$defs")}
    if isinstance(schema, list):
        return [_inline_refs(item, defs) for item in schema]
    return schema


def _omittable(schema: Any) -> Any:
    """`anyOf: [X, null]` with default null becomes plain X, at every depth: leaving it out says "none"."""
    if isinstance(schema, list):
        return [_omittable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1 and schema.get("default", ...) is None:
        schema = {**options[0], **{k: v for k, v in schema.items() if k not in ("anyOf", "default")}}
    return {key: _omittable(value) for key, value in schema.items()}


def parameters_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A flat JSON schema (no $ref, no titles, optional fields simply not required) for LLM tool calling."""
    schema = model.model_json_schema()
    flat = _omittable(_inline_refs(schema, schema.get("$defs", {})))
    flat.setdefault("properties", {})
    flat["additionalProperties"] = False
    return flat


def openai_tool_schemas(names: list[str] | None = None) -> list[dict[str, Any]]:
    """Tools in the OpenAI chat-completions `tools` format, from each args model and docstring."""
    unknown = sorted(set(names or ()) - set(REGISTRY))
    if unknown:
        raise KeyError(f"unknown tools {unknown}")
    return [{"type": "function",
             "function": {"name": spec.name, "description": spec.description,
                          "parameters": parameters_schema(spec.args_model)}}
            for spec in REGISTRY.values() if names is None or spec.name in names]
