"""freeze_card and unfreeze_card: writes confirmed in a later turn; unfreezing after suspected fraud needs step-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import select

from copilot.agent.formatting import card_words
from copilot.store.models import Card
from tools.fraud import card_under_suspicion
from tools.matching import match_one
from tools.spec import Call, InvalidArgs, NoChange, Proposal, ToolArgs, tool

REASONS = {"lost": "reported lost", "stolen": "reported stolen", "suspected_fraud": "suspected fraud",
           "travel": "not in use while travelling", "temporary": "a temporary freeze", "other": "your request"}


class FreezeArgs(ToolArgs):
    card: str = Field(description="Which card: its name, last 4 digits or id.")
    reason: Literal["lost", "stolen", "suspected_fraud", "travel", "temporary", "other"] = Field(
        "temporary", description="Why: a stolen card cannot be unfrozen later (it needs replacing).")


class UnfreezeArgs(ToolArgs):
    card: str = Field(description="Which card: its name, last 4 digits or id.")


def find_card(call: Call, query: str) -> Card:
    cards = list(call.session.scalars(select(Card).where(Card.customer_id == call.ctx.customer_id).order_by(Card.id)))
    card = {c.last4: c for c in cards}.get(query)
    if card is None:
        wanted = match_one(query, {c.id: f"{c.name} ••{c.last4} ({c.kind})" for c in cards}, "card")
        card = next(c for c in cards if c.id == wanted)
    if card.status == "closed":
        raise InvalidArgs(f"the {card_words(card.name, card.last4)} is closed")
    return card


def card_state(card: Card, changed: bool) -> dict:
    return {"card": {"id": card.id, "name": card.name, "last4": card.last4}, "status": card.status,
            "changed": changed}


def _plan_freeze(call: Call, args: FreezeArgs) -> Proposal | NoChange:
    card = find_card(call, args.card)
    if card.status == "frozen":
        return NoChange(card_state(card, False) | {"message": f"the card ending {card.last4} is already frozen"})
    return Proposal(summary=f"Freeze your {card_words(card.name, card.last4)} ({REASONS[args.reason]}): new "
                            "purchases and withdrawals will be declined until you unfreeze it; recurring payments "
                            "set up before keep going.",
                    args={"card": card.id, "reason": args.reason})


@tool(scopes=("cards:manage",), writes=True, prepare=_plan_freeze)
def freeze_card(call: Call, args: FreezeArgs) -> dict:
    """Freeze one of the customer's cards (lost, stolen, suspected fraud, or just for now); it can be unfrozen.
    This is a write: the first call only prepares it and returns a summary for the customer to confirm."""
    card = find_card(call, args.card)
    changed = card.status != "frozen"
    if changed:
        card.status, card.status_changed_at, card.status_reason = "frozen", call.ctx.now, args.reason
    return card_state(card, changed)


def _plan_unfreeze(call: Call, args: UnfreezeArgs) -> Proposal | NoChange:
    card = find_card(call, args.card)
    if card.status == "active":
        return NoChange(card_state(card, False) | {"message": f"the card ending {card.last4} is not frozen"})
    if card.status_reason == "stolen":
        raise InvalidArgs(f"the card ending {card.last4} was reported stolen, so it cannot be unfrozen; "
                          "a replacement card is needed (hand off to an agent)")
    step_up = card.status_reason in ("suspected_fraud", "lost") or \
        card_under_suspicion(call.session, call.customer, card.id, call.today)
    check = " Because of recent suspicious activity on this card, we'll also ask for a one-time code from your " \
            "phone." if step_up else ""
    return Proposal(summary=f"Unfreeze your {card_words(card.name, card.last4)} so it works again.{check}",
                    args={"card": card.id}, requires_step_up=step_up)


@tool(scopes=("cards:manage",), writes=True, prepare=_plan_unfreeze)
def unfreeze_card(call: Call, args: UnfreezeArgs) -> dict:
    """Unfreeze a frozen card so it works again. This is a write that needs confirmation; right after suspected
    fraud it also needs the one-time code from the customer's phone (the confirmation then says step_up_required)."""
    card = find_card(call, args.card)
    changed = card.status == "frozen"
    if changed:
        card.status, card.status_changed_at, card.status_reason = "active", call.ctx.now, "unfrozen by customer"
    return card_state(card, changed)
