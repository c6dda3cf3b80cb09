"""Live streams and shared limits in one process (the embedded default, no Redis), and what happens when the Redis of
COPILOT_REDIS_URL is down: the API keeps serving, with limits per worker, and says so in the log."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from copilot.agent.loop import Copilot
from copilot.api.app import create_app
from copilot.api.fanout import LocalFanout
from copilot.api.live import announce_message, conversation_events
from copilot.api.settings import ApiSettings
from copilot.bench.server import free_port
from copilot.config import ConfigError, load_settings
from copilot.runtime import Runtime
from copilot.store.models import Message
from tests.api.conftest import Tokens, error_code, make_runtime

@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _agent_writes(runtime: Runtime, fanout: LocalFanout, conversation_id: str, text: str) -> None:
    with runtime.db.session() as session:
        session.add(Message(conversation_id=conversation_id, role="agent", author="agent:alice", content=text,
                            route="answer", created_at=runtime.settings.now()))
    announce_message(fanout, conversation_id)


@pytest.mark.anyio
async def test_a_reply_written_in_this_process_reaches_an_open_stream_at_once_without_redis(api_runtime):
    conversation = Copilot(api_runtime).start("demo-debt")
    fanout = LocalFanout()
    stream = conversation_events(api_runtime, fanout, conversation, after=0, check_seconds=600)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.5)                                   # the stream has read the (empty) history and waits
    assert not first.done(), "the stream sent something before anything was written"
    await asyncio.to_thread(_agent_writes, api_runtime, fanout, conversation, "Hello, I'm Alice.")
    event = await asyncio.wait_for(first, 10)                  # its own re-read is 600 s away: the notice woke it
    message = json.loads(event["data"])
    assert event["event"] == "message" and event["id"] == str(message["id"])
    assert (message["role"], message["content"], message["author"]) == ("agent", "Hello, I'm Alice.", "support agent")
    await stream.aclose()


def test_with_redis_down_requests_are_served_and_limited_per_worker(tmp_path, bank_template, kb_chroma, caplog):
    runtime = make_runtime(tmp_path, bank_template, kb_chroma, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    customer = Tokens(runtime).customer("demo-debt")
    app = create_app(runtime=runtime, api_settings=ApiSettings(rate_per_minute=1, rate_burst=3, warmup=False))
    with TestClient(app) as client:
        statuses = [client.get("/api/conversations", headers=customer).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429], statuses
    assert "rate limiter in Redis unreachable" in caplog.text


def test_a_live_stream_refuses_bad_input_and_other_peoples_conversations_before_it_opens(client, tokens):
    customer, other = tokens.customer("demo-debt"), tokens.customer("demo-gig")
    conversation = client.post("/api/conversations", json={"channel": "web"}, headers=customer).json()["id"]
    events = f"/api/conversations/{conversation}/events"
    refusals = {
        "negative after": client.get(f"{events}?after=-1", headers=customer),
        "Last-Event-ID not a number": client.get(events, headers={**customer, "Last-Event-ID": "x1"}),
        "another customer's conversation": client.get(events, headers=other),
        "no token": client.get(events),
        "an agent on a customer's stream": client.get(events, headers=tokens.agent()),
        "a customer on the agents' queue": client.get("/api/assist/handoffs/events", headers=customer),
    }
    assert {why: r.status_code for why, r in refusals.items()} == {
        "negative after": 422, "Last-Event-ID not a number": 422, "another customer's conversation": 404,
        "no token": 401, "an agent on a customer's stream": 403, "a customer on the agents' queue": 403}
    assert all(error_code(r) for r in refusals.values())


def test_a_redis_url_that_is_not_one_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match="COPILOT_REDIS_URL.*redis://host:6379/0"):
        load_settings(redis_url="http://127.0.0.1:6379")
