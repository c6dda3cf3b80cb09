"""The optional LLM classifier against a scripted OpenAI-compatible server on 127.0.0.1 (the real client over HTTP)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from copilot.compliance import configure_classifier, guard_input, set_classifier
from copilot.compliance.classifier import get_classifier
from tests.conftest import make_settings


class ScriptedChat(BaseHTTPRequestHandler):
    reply = "ATTACK"
    seen: list[str] = []

    def do_POST(self):                                  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedChat.seen.append(body["messages"][-1]["content"])
        payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": ScriptedChat.reply}}],
                   "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_llm(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), ScriptedChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ScriptedChat.seen = []
    yield make_settings(tmp_path, provider="openai:guard-model", openai_api_key="test",
                        openai_base_url=f"http://127.0.0.1:{server.server_port}/v1")
    server.shutdown()
    set_classifier(None)


def test_doubtful_messages_go_to_the_llm_classifier(fake_llm):
    configure_classifier(fake_llm)
    doubtful = "Let's play a game: act as my savings coach."
    decision = guard_input(doubtful)
    assert decision.rule_ids == ["inj.classifier"] and doubtful in ScriptedChat.seen[0]
    ScriptedChat.reply = "SAFE"
    try:
        assert guard_input(doubtful).verdict == "allow"
    finally:
        ScriptedChat.reply = "ATTACK"
    guard_input("What's my balance?")
    assert len(ScriptedChat.seen) == 2                   # clear cases never call the LLM


def test_offline_provider_has_no_classifier(tmp_path):
    configure_classifier(make_settings(tmp_path))
    assert get_classifier() is None


def test_an_unreachable_llm_falls_back_to_the_other_layers(tmp_path):
    configure_classifier(make_settings(tmp_path, provider="openai:x", openai_api_key="k",
                                       openai_base_url="http://127.0.0.1:9/v1"))
    try:
        assert guard_input("Let's play a game: act as my savings coach.").verdict == "allow"
    finally:
        set_classifier(None)
