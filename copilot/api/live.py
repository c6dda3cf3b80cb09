"""Live streams (SSE) fed by fan-out notices: a customer's conversation as messages arrive (a support agent's reply
written on any instance), and the support agents' hand-off queue; plus the notices the API sends when it writes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from copilot.api.fanout import HANDOFFS, Fanout, conversation_channel
from copilot.api.history import PAGE, messages, viewer
from copilot.runtime import Runtime


def _read(runtime: Runtime, conversation_id: str, after: int) -> list[dict]:
    with runtime.db.session() as session:
        return messages(session, conversation_id, viewer(runtime, conversation_id, customer=True), after)


async def conversation_events(runtime: Runtime, fanout: Fanout, conversation_id: str, after: int,
                              check_seconds: float) -> AsyncIterator[dict]:
    """`message` events (id = message id) for every message after `after`, as the customer sees it; subscribed
    before the first read, so nothing written meanwhile is missed."""
    async with fanout.subscribe(conversation_channel(conversation_id)) as notices:
        while True:
            batch = await run_in_threadpool(_read, runtime, conversation_id, after)
            for message in batch:
                after = message["id"]
                yield {"event": "message", "id": str(after), "data": json.dumps(message, default=str)}
            if len(batch) < PAGE:
                await notices.wait(check_seconds)


async def handoff_events(fanout: Fanout, check_seconds: float) -> AsyncIterator[dict]:
    """`ready` once subscribed, then a `handoff` event per change of the queue (reload the queue to see it)."""
    async with fanout.subscribe(HANDOFFS) as notices:
        yield {"event": "ready", "data": "{}"}
        while True:
            notice = await notices.wait(check_seconds)
            if notice is not None:
                yield {"event": "handoff", "data": json.dumps(notice)}


def announce_message(fanout: Fanout, conversation_id: str) -> None:
    """The conversation has new messages (its live streams, on every instance, read them)."""
    fanout.publish(conversation_channel(conversation_id), {"conversation_id": conversation_id})


def announce_turn(fanout: Fanout, result: dict) -> None:
    """After a turn: the conversation has new messages; a hand-off turn also changes the agents' queue."""
    conversation_id = result["conversation_id"]
    announce_message(fanout, conversation_id)
    if result["route"] == "handoff":
        fanout.publish(HANDOFFS, {"conversation_id": conversation_id, "change": "customer_turn"})


def announce_handoff(fanout: Fanout, handoff: dict) -> None:
    """A hand-off was taken or closed: the queue changed and the conversation has the bank's note."""
    announce_message(fanout, handoff["conversation_id"])
    fanout.publish(HANDOFFS, {"conversation_id": handoff["conversation_id"], "handoff_id": handoff["id"],
                              "change": handoff["status"]})
