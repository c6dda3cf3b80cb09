"""Stateless workers, proven with real processes: a conversation that changes instance every turn (a write proposed on
one and confirmed on another, claimed exactly once), a hand-off taken on a third instance whose reply reaches the
customer's live stream on the first (through Redis), a rate limit that holds across instances, and kill -9 of one
instance mid-conversation with nothing acknowledged lost. The kill comes last: it takes an instance away."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from copilot.bench.server import customer_tokens
from copilot.store.models import Budget, PendingAction
from tests.api.conftest import sse_event
from tests.fleet.conftest import RATE_BURST, RATE_PER_MINUTE, Fleet
from tests.resilience.test_durability import (assert_nothing_acknowledged_was_lost, assert_the_rest_run_once,
                                              propose_actions, traffic_through_a_power_cut)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fleet")]
DELIVERY = 15.0             # seconds an agent's reply may take to reach the stream (its own re-read is 120 s away)


def post(url: str, path: str, headers: dict, **body) -> dict:
    response = httpx.post(f"{url}{path}", json=body or None, headers=headers, timeout=60)
    assert response.status_code in (200, 201), f"POST {url}{path}: {response.status_code} {response.text}"
    return response.json()


def say(url: str, headers: dict, conversation: str, text: str) -> dict:
    return post(url, f"/api/conversations/{conversation}/messages?stream=false", headers, text=text)


class Stream:
    """A live SSE stream read in a thread; its events land in a queue."""

    def __init__(self, url: str, headers: dict) -> None:
        self.events: queue.Queue = queue.Queue()
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=60))
        self.thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self.thread.start()

    def _read(self, url: str, headers: dict) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                self.events.put(("status", {"code": response.status_code}))
                block = ""
                for line in response.iter_lines():
                    if line:
                        block += line + "\n"
                    elif (event := sse_event(block)) is not None:
                        self.events.put(event)
                        block = ""
        except httpx.HTTPError as exc:
            self.events.put(("closed", {"error": str(exc)}))

    def next(self, kind: str, timeout: float, where=lambda data: True) -> dict:
        """The next event of this kind (and condition) within timeout seconds; fails naming what never came."""
        seen, deadline = [], time.monotonic() + timeout
        try:
            while True:
                name, data = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
                seen.append(name)
                if name == kind and where(data):
                    return data
        except queue.Empty:
            pytest.fail(f"no {kind!r} event within {timeout:.0f} s (saw {seen})")

    def close(self) -> None:
        self.client.close()


def test_a_conversation_changes_instance_every_turn_and_a_write_is_confirmed_elsewhere(fleet: Fleet):
    one, two, three = fleet.urls
    customer = fleet.tokens.customer("demo-debt")
    post(two, "/api/customers/demo-debt/consents", customer, scopes=["budgets:write", "transactions:read"])
    conversation = post(one, "/api/conversations", customer, channel="web")["id"]
    assert say(one, customer, conversation, "what's my balance?")["route"] == "answer"
    assert say(two, customer, conversation, "how much did I spend last month?")["route"] == "answer"
    fee = say(three, customer, conversation, "what is the foreign transaction fee?")      # from the Chroma server
    assert "foreign-exchange#foreign-transaction-fee" in fee["citations"], fee
    proposed = say(one, customer, conversation, "set a dining budget of 300 a month")
    assert proposed["route"] == "confirm" and proposed["pending_action"], proposed
    assert say(two, customer, conversation, "yes")["route"] == "answer"     # the pending write lives in the database
    with fleet.runtime.db.session() as session:
        assert session.get(PendingAction, proposed["pending_action"]["id"]).status == "executed"
        limit = session.scalar(select(Budget.monthly_limit).where(Budget.customer_id == "demo-debt",
                                                                  Budget.category == "dining"))
    assert limit == 300, f"the confirmed budget is {limit}"
    history = httpx.get(f"{three}/api/conversations/{conversation}", headers=customer, timeout=30).json()["messages"]
    assert [m["content"] for m in history if m["role"] == "user"] == [
        "what's my balance?", "how much did I spend last month?", "what is the foreign transaction fee?",
        "set a dining budget of 300 a month", "yes"]
    assert {httpx.get(f"{url}/health").json()["shared_state"] for url in fleet.urls} == {"redis"}


def test_a_confirmation_sent_to_every_instance_at_once_runs_exactly_once(fleet: Fleet):
    customer = fleet.tokens.customer("demo-gig")
    post(fleet.urls[0], "/api/customers/demo-gig/consents", customer, scopes=["budgets:write", "transactions:read"])
    conversation = post(fleet.urls[0], "/api/conversations", customer, channel="web")["id"]
    action = say(fleet.urls[1], customer, conversation, "set a groceries budget of 450 a month")["pending_action"]
    assert action, "the copilot proposed no budget to confirm"
    with ThreadPoolExecutor(len(fleet.urls) * 2) as pool:
        bodies = list(pool.map(lambda url: post(url, f"/api/actions/{action['id']}/confirm", customer),
                               fleet.urls * 2))
    assert all(body["status"] == "executed" for body in bodies), bodies
    assert sum(not body["replayed"] for body in bodies) == 1, f"ran {sum(not b['replayed'] for b in bodies)} times"


def test_an_agents_reply_on_a_third_instance_reaches_the_customers_stream_on_the_first(fleet: Fleet):
    one, two, three = fleet.urls
    customer, agent = fleet.tokens.customer("demo-newjob"), fleet.tokens.agent("bob")
    conversation = post(one, "/api/conversations", customer, channel="web")["id"]
    mine, queue_stream = Stream(f"{one}/api/conversations/{conversation}/events", customer), \
        Stream(f"{three}/api/assist/handoffs/events", agent)
    try:
        assert mine.next("status", DELIVERY)["code"] == 200 and queue_stream.next("status", DELIVERY)["code"] == 200
        queue_stream.next("ready", DELIVERY)
        assert say(two, customer, conversation, "I want to talk to a person")["route"] == "handoff"
        queue_stream.next("handoff", DELIVERY, lambda notice: notice["conversation_id"] == conversation)
        handoff = next(h for h in httpx.get(f"{three}/api/assist/handoffs", headers=agent, timeout=30).json()
                       if h["conversation_id"] == conversation)
        assert post(three, f"/api/assist/handoffs/{handoff['id']}/take", agent)["status"] == "assigned"
        post(three, f"/api/assist/conversations/{conversation}/reply", agent, text="Hello, I'm Bob from support.")
        reply = mine.next("message", DELIVERY, lambda message: message["role"] == "agent")
        assert reply["content"] == "Hello, I'm Bob from support." and reply["author"] == "support agent"
    finally:
        mine.close()
        queue_stream.close()


def test_a_rate_limit_holds_across_instances(fleet: Fleet):
    customer = fleet.tokens.customer("demo-sme")
    attempts = RATE_BURST * 4                           # in-process buckets would let about three bursts through
    started = time.monotonic()
    with httpx.Client(timeout=30) as http:
        statuses = [http.get(f"{fleet.urls[n % len(fleet.urls)]}/api/conversations", headers=customer).status_code
                    for n in range(attempts)]
    elapsed = time.monotonic() - started
    assert set(statuses) <= {200, 429}, statuses
    assert statuses[:RATE_BURST] == [200] * RATE_BURST, statuses
    allowed = statuses.count(200)
    refilled = RATE_PER_MINUTE / 60 * elapsed
    assert allowed <= RATE_BURST + refilled + 1, (f"{allowed} of {attempts} requests allowed in {elapsed:.1f} s across "
                                                  f"the fleet; the token's limit is {RATE_BURST} + {refilled:.0f}")


def test_kill_9_of_one_instance_mid_conversation_loses_nothing_acknowledged(fleet: Fleet):
    survivor, doomed = fleet.servers[0], fleet.servers[1]
    actions = propose_actions(fleet.runtime)
    tokens = customer_tokens(fleet.runtime.settings, label="fleet")
    result, acked, consents = traffic_through_a_power_cut(doomed, tokens, actions)
    executed = assert_nothing_acknowledged_was_lost(fleet.runtime, actions, result, acked, consents)
    interrupted = result.acks[-1]                     # a conversation the dead instance was serving goes on here
    headers = {"Authorization": f"Bearer {tokens[interrupted.customer]}"}
    assert say(survivor.url, headers, interrupted.conversation_id, "what's my balance?")["route"] == "answer"
    assert_the_rest_run_once(survivor.url, tokens, fleet.runtime, actions, executed)
