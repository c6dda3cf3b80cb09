"""The reference the HTTP figures are read against: the chat endpoints on the same server stack, doing nothing.

FastAPI + pydantic bodies + uvicorn with the options `copilot serve` uses, bearer header read, a fixed answer: what
any Python web service on this machine costs per request before it does any work.
"""

from __future__ import annotations

import itertools

from fastapi import FastAPI, Header
from pydantic import BaseModel, Field


class NewConversation(BaseModel):
    channel: str = "web"


class Message(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_message_id: str | None = None


def create_app() -> FastAPI:
    app = FastAPI()
    ids = itertools.count()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/api/conversations", status_code=201)
    def start(body: NewConversation, authorization: str = Header("")) -> dict:
        return {"id": f"conv-{next(ids)}", "channel": body.channel}

    @app.post("/api/conversations/{conversation_id}/messages")
    def send(conversation_id: str, body: Message, stream: bool = True, authorization: str = Header("")) -> dict:
        return {"conversation_id": conversation_id, "route": "answer", "answer": body.text[:40]}

    return app
