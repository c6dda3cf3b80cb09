"""Chat: start a conversation and send a message; the answer comes as server-sent events or as one JSON object."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from copilot.agent.loop import Copilot
from copilot.api.deps import (CopilotDep, CustomerDep, FanoutDep, OwnConversation, RuntimeDep, SettingsDep,
                              TurnsDep)
from copilot.api.errors import ApiError
from copilot.api.history import conversation_dict
from copilot.api.limits import TurnRunner
from copilot.api.fanout import Fanout
from copilot.api.live import announce_turn
from copilot.api.schemas import ChatMessage, ConversationOut, StartConversation
from copilot.api.telemetry import observe_turn
from copilot.store.models import Conversation

router = APIRouter(prefix="/api/conversations", tags=["chat"])
log = logging.getLogger(__name__)
STREAM_DOC = ("Server-sent events, in order: `tool` (each tool call and its consent decision), `text` (deltas of the "
              "answer, already through the compliance filters), `citation`, `consent_request`, `confirm` (a pending "
              "action), `ui` (chart data), `route`, and `done` (the whole turn with its trace).")


@router.post("", status_code=201, response_model=ConversationOut, summary="Start a conversation")
def start(principal: CustomerDep, copilot: CopilotDep, runtime: RuntimeDep,
          x_device_id: Annotated[str | None, Header(min_length=8, max_length=128, description=(
              "A stable id of the browser or app (kept on the device). Payments to others from a device first "
              "seen recently need a one-time code; without it, the conversation counts as a new device."))] = None,
          body: StartConversation | None = None) -> dict:
    conversation_id = copilot.start(principal.subject, channel=(body or StartConversation()).channel,
                                    device=x_device_id or secrets.token_hex(16))
    with runtime.db.session() as session:
        return conversation_dict(session.get(Conversation, conversation_id))


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


async def _events(turns: TurnRunner, fanout: Fanout, copilot: Copilot, conversation: Conversation, text: str,
                  kwargs: dict):
    try:
        for event in await turns(lambda: list(copilot.stream(conversation.id, text, **kwargs))):
            kind = event.pop("type")
            if kind == "done":
                observe_turn(event["result"], conversation.channel)
                await run_in_threadpool(announce_turn, fanout, event["result"])    # Redis I/O off the event loop
            yield {"event": kind, "data": json.dumps(event, default=str)}
    except Exception:                                   # noqa: BLE001 - the stream has started: report in-band
        log.exception("turn failed in conversation %s", conversation.id)
        yield {"event": "error", "data": json.dumps({"code": "internal_error",
                                                     "message": "something went wrong on our side; please try again"})}


@router.post("/{conversation_id}/messages", summary="Send a message to the copilot", description=STREAM_DOC,
             responses={200: {"content": {"text/event-stream": {}, "application/json": {}},
                              "description": "The answer: SSE by default; one JSON object with `Accept: "
                                             "application/json` or `stream=false`."}})
async def send_message(body: ChatMessage, conversation: OwnConversation, principal: CustomerDep,
                       copilot: CopilotDep, turns: TurnsDep, settings: SettingsDep, fanout: FanoutDep,
                       request: Request,
                       stream: bool = Query(True, description="false: answer with one JSON object")):
    if not body.text.strip():
        raise ApiError(422, "empty_message", "the message is empty")
    if len(body.text) > settings.max_message_chars:
        raise ApiError(422, "message_too_long", f"a message may have at most {settings.max_message_chars} characters "
                                                f"(this one has {len(body.text)})")
    kwargs = {"customer_id": principal.subject, "actor": principal.actor, "client_message_id": body.client_message_id}
    if not stream or _wants_json(request):
        result = (await turns(copilot.send, conversation.id, body.text, **kwargs)).to_dict()
        observe_turn(result, conversation.channel)
        await run_in_threadpool(announce_turn, fanout, result)
        return JSONResponse(json.loads(json.dumps(result, default=str)))
    return EventSourceResponse(_events(turns, fanout, copilot, conversation, body.text, kwargs), ping=15)
