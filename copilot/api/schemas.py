"""Request and response bodies of the API (pydantic): what the OpenAPI document shows clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from copilot.consent import SCOPES

Scope = Literal[tuple(SCOPES)]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartConversation(Body):
    channel: Literal["web", "api", "mobile"] = "api"


class ConversationOut(BaseModel):
    id: str
    customer_id: str
    channel: str
    status: str
    title: str
    created_at: datetime
    updated_at: datetime


class ChatMessage(Body):
    text: str = Field(min_length=1, description="What the customer wrote (at most COPILOT_MAX_MESSAGE_CHARS).")
    client_message_id: str | None = Field(None, min_length=1, max_length=80, pattern=r"^[\w.:-]+$",
                                          description="Retrying with the same id replays the first answer.")


class MessageOut(BaseModel):
    id: int
    role: str
    author: str
    content: str
    route: str | None
    created_at: datetime
    citations: list[str] = []
    ui: list[dict[str, Any]] = []
    tools: list[dict[str, Any]] = Field([], description="The turn's tool calls: name and status (never results).")


class HistoryOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
    pending_actions: list[dict[str, Any]]


class GrantIn(Body):
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    days: int | None = Field(365, ge=1, le=3650, description="How long the grant lasts; null = until revoked.")
    lookback_days: int | None = Field(365, ge=0, le=3650, description="Transaction history shared, in days.")
    purpose: str = Field("", max_length=300)


class ScopesIn(Body):
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))


class ConsentOut(BaseModel):
    id: str
    scopes: list[str]
    purposes: dict[str, str]
    purpose: str
    channel: str
    granted_by: str
    granted_at: datetime
    expires_at: datetime | None
    lookback_days: int | None
    status: str
    revoked_at: datetime | None


class ConsentEventOut(BaseModel):
    id: int
    consent_id: str
    event: str
    actor: str
    at: datetime
    detail: dict[str, Any]


class ProposeIn(Body):
    tool: Literal["freeze_card", "dispute_transaction"] = Field(description="An alert's next step (its buttons).")
    args: dict[str, Any] = Field(description="The step's arguments as the alert gives them, e.g. {\"card\": id}.")
    conversation_id: str | None = Field(None, max_length=64, description="The chat the action is proposed in.")


class ConfirmIn(Body):
    code: str | None = Field(None, pattern=r"^\d{6}$", description="The one-time code from the customer's phone, when "
                                                                  "the action asks for one (step_up_required).")


class PhoneScreen(BaseModel):
    device: str
    code: str
    seconds_left: int


class ActionResult(BaseModel):
    action: dict[str, Any]
    status: str
    result: dict[str, Any] | None
    replayed: bool
    message: str


class ReplyIn(Body):
    text: str = Field(min_length=1, description="The (edited) reply; it passes the output filters again.")
    suggestion_id: int | None = Field(None, ge=1, description="The suggestion it was edited from, if any: its "
                                                              "facts may then be repeated.")


class TokenIn(Body):
    role: Literal["customer", "support_agent", "admin"]
    subject: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    days: int | None = Field(None, ge=1, le=730, description="Lifetime; default COPILOT_API_TOKEN_DAYS.")
    label: str = Field("", max_length=80)


class TokenOut(BaseModel):
    id: int
    role: str
    subject: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    secret: str | None = Field(None, description="Shown once, when the token is minted; only its hash is kept.")
