"""A scripted OpenAI-compatible chat-completions server on loopback (JSON and SSE), for testing the real client."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from copilot.bench.server import free_port


class Script:
    """Replies served in order; each is {"content"}, {"tool_calls"}, {"status"}, {"sleep"} or {"raw"}. A reply
    may also say {"usage": False} (no token usage sent, like llama.cpp's streams), {"truncate": True} (the stream
    stops before its finish_reason and [DONE]; a JSON body comes without a finish_reason) or {"empty": True} (a
    stream of nothing but [DONE], as llama.cpp's server answers a streamed tool request; a JSON body says "")."""

    def __init__(self, *replies: dict) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []

    def next(self, body: dict) -> dict:
        return self.replies.pop(0) if self.replies else {"content": "Sorry, I have nothing more to say."}


class SamplingModel(Script):
    """A model that samples, as a real one does at temperature > 0: a request that ends in a tool result gets
    `answer`; any other gets one of `choices`, drawn by a generator seeded with `seed` (the same seed, the same
    run of draws), so a case may pass one run and fail the next."""

    def __init__(self, choices: list[dict], answer: dict, seed: int) -> None:
        super().__init__()
        self.choices, self.answer, self.random = choices, answer, random.Random(seed)
        self.drawn: list[int] = []

    def next(self, body: dict) -> dict:
        if body["messages"][-1]["role"] == "tool":
            return self.answer
        self.drawn.append(self.random.randrange(len(self.choices)))
        return self.choices[self.drawn[-1]]


def _message(reply: dict) -> dict:
    calls = [{"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
              "function": {"name": c["name"], "arguments": c["arguments"] if isinstance(c["arguments"], str)
                           else json.dumps(c["arguments"])}} for c in reply.get("tool_calls", [])]
    message = {"role": "assistant", "content": "" if reply.get("empty") else reply.get("content")}
    if calls:
        message["tool_calls"] = calls
    return message


USAGE = {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}


def _finish(reply: dict, message: dict) -> str | None:
    return None if reply.get("truncate") else "tool_calls" if "tool_calls" in message else "stop"


def _completion(reply: dict, model: str) -> dict:
    message = _message(reply)
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": _finish(reply, message)}]}
    return {**body, "usage": USAGE} if reply.get("usage", True) else body


def _sse(reply: dict, model: str):
    if reply.get("empty"):
        yield "data: [DONE]\n\n"
        return
    message = _message(reply)
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': {'role': 'assistant'}}]})}\n\n"
    for index, call in enumerate(message.get("tool_calls", [])):
        delta = {"tool_calls": [{"index": index, "id": call["id"], "type": "function", "function": call["function"]}]}
        yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': delta}]})}\n\n"
    for word in (message.get("content") or "").split(" "):
        yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': {'content': word + ' '}}]})}\n\n"
    if reply.get("truncate"):
        return
    yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': {}, 'finish_reason': _finish(reply, message)}]})}\n\n"
    if reply.get("usage", True):
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': USAGE})}\n\n"
    yield "data: [DONE]\n\n"


def make_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await request.json()
        script.requests.append(body)
        reply = script.next(body)
        if "sleep" in reply:
            time.sleep(reply["sleep"])
            reply = script.next(body)
        if "status" in reply:
            return JSONResponse({"error": {"message": "scripted failure"}}, status_code=reply["status"])
        if "raw" in reply:
            return PlainTextResponse(reply["raw"], media_type="application/json")
        if body.get("stream"):
            return StreamingResponse(_sse(reply, body["model"]), media_type="text/event-stream")
        return _completion(reply, body["model"])

    return app


@contextmanager
def serve(script: Script):
    """Run the fake endpoint in a thread; yields its base URL (…/v1)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(script), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
