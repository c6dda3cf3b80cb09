"""The LLM endpoint failing, seen through the API (the agent-level view is in tests/agent/test_llm_path.py):
5xx, invalid JSON, too slow, or a well-formed answer full of inventions. Every turn is a 200 with the offline
planner's answer or a filtered one, in JSON and in the SSE stream, and the LLM is used again once it is healthy."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from copilot.runtime import Runtime
from tests.agent.fake_openai import Script, serve
from tests.api.conftest import Tokens, start
from tests.api.test_chat import sse
from tests.resilience.conftest import app_client, private_bank

BALANCE = "what's my balance?"
HEALTHY = ({"tool_calls": [{"name": "get_balances", "arguments": {}}]},
           {"content": "Here is what you have in each account today."})
INVENTED = ({"tool_calls": [{"name": "get_balances", "arguments": {}}]},
            {"content": "You have $98,765.43 available. Your card 4111 1111 1111 1111 earns a guaranteed 12% return."})
FAULTS = {"5xx": {"status": 500}, "invalid_json": {"raw": "{not json"}, "slow": {"sleep": 3}}


@pytest.fixture
def llm_api(tmp_path, bank_db, kb_chroma) -> Iterator:
    """(client, customer headers, script): the API on the openai provider, pointed at a scripted endpoint."""
    script = Script()
    with serve(script) as url:
        settings = private_bank(tmp_path, bank_db, kb_chroma, provider="openai:scripted-model", openai_base_url=url,
                                openai_api_key="sk-test", openai_timeout_s=2, openai_max_retries=1)
        runtime = Runtime(settings)
        with app_client(runtime) as client:
            yield client, Tokens(runtime).customer("demo-debt"), script


def turn(client, headers, *, stream: bool) -> dict:
    """One balance question; the whole turn as the client saw it (SSE: the streamed text must be the answer)."""
    conversation = start(client, headers)
    response = client.post(f"/api/conversations/{conversation}/messages?stream={str(stream).lower()}",
                           json={"text": BALANCE}, headers=headers)
    assert response.status_code == 200, response.text
    if not stream:
        return response.json()
    events = sse(response)
    assert [name for name, _ in events if name == "error"] == [], events
    result = events[-1][1]["result"]
    assert "".join(data["delta"] for name, data in events if name == "text") == result["answer"]
    return result


def fell_back(result: dict) -> bool:
    return any(rule.startswith("llm_unavailable") for rule in result["guard"]["untrusted"])


def settle(script: Script, quiet: float) -> None:
    """Wait until the endpoint has seen no request for `quiet` seconds (a slow reply may still be pending)."""
    seen = -1
    while seen != len(script.requests):
        seen = len(script.requests)
        time.sleep(quiet)


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_a_failing_endpoint_gets_the_offline_answer_then_the_llm_again(llm_api, fault):
    client, headers, script = llm_api
    script.replies[:] = [FAULTS[fault]] * 12
    for stream in (False, True):
        result = turn(client, headers, stream=stream)
        assert fell_back(result) and result["route"] == "answer", result
        assert result["tools"][0]["name"] == "get_balances" and "$" in result["answer"]
        assert result["guard"]["output"]["verdict"] in ("allow", "rewrite")
    settle(script, 3.5 if fault == "slow" else 0.3)
    script.replies[:] = list(HEALTHY)
    healed = turn(client, headers, stream=False)
    assert not fell_back(healed) and healed["answer"].startswith("Here is what you have"), healed


def test_an_answer_full_of_inventions_is_filtered_in_json_and_in_the_stream(llm_api):
    client, headers, script = llm_api
    script.replies[:] = list(INVENTED) * 2
    for stream in (False, True):
        result = turn(client, headers, stream=stream)
        shown = json.dumps(result["answer"])
        assert "98,765.43" not in shown and "4111 1111 1111 1111" not in shown and "guaranteed" not in shown.lower()
        assert not fell_back(result) and result["guard"]["output"]["verdict"] in ("rewrite", "block")
