"""Chat over HTTP: SSE events in order (only filtered text), JSON mode, retries replayed, bad input refused cleanly."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from copilot.store.models import Conversation, Message
from tests.api.conftest import error_code, say, sse_event, start


def sse(response) -> list[tuple[str, dict]]:
    """(event, data) pairs of a server-sent-events body."""
    blocks = (sse_event(block) for block in response.text.replace("\r\n", "\n").split("\n\n"))
    return [event for event in blocks if event]


def test_spending_question_streams_tools_filtered_text_chart_route_and_trace(client, tokens):
    headers = tokens.customer("demo-debt")
    conversation = start(client, headers)
    response = client.post(f"/api/conversations/{conversation}/messages", headers=headers,
                           json={"text": "How much did I spend last month?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse(response)
    names = [name for name, _ in events]
    assert names[0] == "tool" and names[-2:] == ["route", "done"], names
    assert names.index("text") < names.index("ui") < names.index("route")
    done = events[-1][1]["result"]
    streamed = "".join(data["delta"] for name, data in events if name == "text")
    assert streamed == done["answer"], "the streamed deltas must add up to the filtered answer"
    assert done["route"] == "answer" and done["trace_id"] and done["guard"]["output"]["verdict"] in ("allow", "rewrite")
    chart = next(data for name, data in events if name == "ui")
    assert chart["kind"] == "bar" and chart["series"], "a spending answer must carry its bar chart"


def test_json_mode_by_accept_header_or_flag(client, tokens):
    headers = tokens.customer("demo-newjob")
    conversation = start(client, headers)
    by_accept = client.post(f"/api/conversations/{conversation}/messages", json={"text": "what's my balance?"},
                            headers={**headers, "Accept": "application/json"})
    assert by_accept.headers["content-type"] == "application/json"
    assert by_accept.json()["route"] == "answer" and by_accept.json()["tools"][0]["name"] == "get_balances"
    by_flag = say(client, headers, conversation, "and my budgets?")
    assert by_flag["conversation_id"] == conversation and by_flag["answer"]


def test_write_needs_consent_then_confirmation_events(client, tokens):
    headers = tokens.customer("demo-debt")
    conversation = start(client, headers)
    refused = sse(client.post(f"/api/conversations/{conversation}/messages", headers=headers,
                              json={"text": "freeze my card ending 3424"}))
    request = next(data for name, data in refused if name == "consent_request")
    assert request["scopes"] == ["cards:manage"] and "freeze" in request["purposes"]["cards:manage"]
    granted = client.post("/api/customers/demo-debt/consents", json={"scopes": ["cards:manage"]}, headers=headers)
    assert granted.status_code == 201
    proposed = sse(client.post(f"/api/conversations/{conversation}/messages", headers=headers,
                               json={"text": "freeze my card ending 3424"}))
    pending = next(data for name, data in proposed if name == "confirm")
    assert pending["tool"] == "freeze_card" and pending["status"] == "pending" and pending["id"].startswith("act-")


def test_a_retried_message_is_answered_once(client, tokens, api_runtime):
    headers = tokens.customer("demo-gig")
    conversation = start(client, headers)
    first = say(client, headers, conversation, "show my upcoming bills", client_message_id="m-1")
    again = say(client, headers, conversation, "show my upcoming bills", client_message_id="m-1")
    assert again["answer"] == first["answer"] and again["trace_id"] == first["trace_id"]
    with api_runtime.db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Message)
                                .where(Message.conversation_id == conversation))
    assert stored == 2, "a retry must not store the turn twice"


def test_bad_messages_get_clear_4xx(client, tokens, api_runtime):
    headers = tokens.customer()
    conversation = start(client, headers)
    url = f"/api/conversations/{conversation}/messages?stream=false"
    too_long = client.post(url, json={"text": "a" * (api_runtime.settings.max_message_chars + 1)}, headers=headers)
    assert too_long.status_code == 422 and error_code(too_long) == "message_too_long"
    assert error_code(client.post(url, json={"text": "   "}, headers=headers)) == "empty_message"
    wrong_type = client.post(url, json={"text": 42}, headers=headers)
    assert wrong_type.status_code == 422 and "text" in wrong_type.json()["error"]["message"]
    unknown_field = client.post(url, json={"text": "hi", "role": "admin"}, headers=headers)
    assert unknown_field.status_code == 422
    broken_json = client.post(url, content=b"{not json", headers={**headers, "Content-Type": "application/json"})
    assert broken_json.status_code == 422 and error_code(broken_json) == "invalid_request"
    huge = client.post(url, content=b'{"text": "' + b"x" * 20_000 + b'"}',
                       headers={**headers, "Content-Type": "application/json"})
    assert huge.status_code == 413 and error_code(huge) == "body_too_large"
    missing = client.post("/api/conversations/conv-doesnotexist/messages", json={"text": "hi"}, headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "not_found"


def test_a_failing_turn_is_json_500_or_an_error_event_never_a_traceback(client, tokens, monkeypatch):
    headers = tokens.customer()
    conversation = start(client, headers)

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(client.app.state.copilot, "send", explode)
    client = TestClient(client.app, raise_server_exceptions=False)
    failed = client.post(f"/api/conversations/{conversation}/messages?stream=false", json={"text": "hi"},
                         headers=headers)
    assert failed.status_code == 500 and error_code(failed) == "internal_error"
    assert "secret internals" not in failed.text and "Traceback" not in failed.text
    streamed = sse(client.post(f"/api/conversations/{conversation}/messages", json={"text": "hi"}, headers=headers))
    assert streamed == [("error", {"code": "internal_error",
                                   "message": "something went wrong on our side; please try again"})]


def test_a_payment_from_a_browser_never_seen_before_asks_for_a_code(client, tokens, api_runtime):
    headers = tokens.customer("demo-debt")
    assert client.post("/api/customers/demo-debt/consents", json={"scopes": ["payments:write"]},
                       headers=headers).status_code == 201
    browser = {**headers, "X-Device-Id": "8d1f0c7e-new-laptop"}
    ids = [client.post("/api/conversations", json={"channel": "web"}, headers=h).json()["id"]
           for h in (browser, browser, headers)]
    with api_runtime.db.session() as session:
        devices = [session.get(Conversation, i).device_id for i in ids]
    assert devices[0] == devices[1] != devices[2] and all(devices), "one browser is one device; no id = a new one"
    sent = say(client, headers, ids[0], "send $60 to my mum")
    assert sent["route"] == "confirm" and sent["pending_action"]["requires_step_up"], sent["answer"]
    assert "a device we haven't seen you use before" in sent["answer"], sent["answer"]
    short = client.post("/api/conversations", json={"channel": "web"}, headers={**headers, "X-Device-Id": "abc"})
    assert short.status_code == 422 and "x-device-id" in short.text.lower(), short.text
