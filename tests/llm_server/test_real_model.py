"""The `openai:MODEL` provider against a REAL OpenAI-compatible server: llama.cpp with SmolLM2-135M-Instruct.

The model is far too small to be a good agent. The point is the real wire protocol (llama-cpp-python's server,
JSON and SSE) and that every guarantee holds whatever the model says: no exception, exactly one contract route,
no write without a confirmation turn, no card number sent to the server, every answer through the output
filters, token counts even when the server reports no usage. A missing package or a server that does not start
fails these tests (`make test` installs the llm-server extra); they are never skipped.

What the model and server actually emitted (llama-cpp-python 0.3.36, `--chat_format chatml-function-calling`,
temperature 0; measured on 2 cores, 2026-12-08):
- The product sends `tool_choice: "auto"` with its tools (this handler ignores tools without it). The handler's
  grammar then makes the model pick `functions.NAME:` or `message:` first, among the offered tools only.
- JSON: spec-shaped `tool_calls` with invented arguments: get_balances `{"account": "Dana", "kinds": [...]}`
  (refused as invalid_args), then search_knowledge with the schema's own example query, twice, then a reply whose
  words are a tool call (`functions.search_knowledge:\n{...}`). Usage is reported. The tool round trips complete
  (assistant tool-call messages carry "" content; null made the server answer HTTP 500).
- SSE: when the model picks a function the server raises "Automatic streaming tool choice is not supported" after
  the 200 headers and the stream ends with no chunk (`EmptyStream` -> `ModelUnusable`). No SSE reply carries usage
  (stream_options is ignored); the product counts the tokens itself.
- Text replies are empty or a bare `functions.NAME:`; both are unusable replies, so those turns end in the offline
  planner (`llm_unavailable:ModelUnusable`) and the customer gets its answer.
- The write path: "freeze my card" -> clarify (which card), "the Cashback Visa" -> confirm (the card stays
  active), "yes" -> executed by the confirmation step, which asks no model. A turn takes 1-9 s here.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from copilot import consent
from copilot.agent.loop import Copilot
from copilot.config import Settings
from copilot.demo.seed import content_hash
from copilot.runtime import Runtime
from copilot.store.models import Card, Message, PendingAction, TurnTrace
from tests.conftest import make_settings
from tests.llm_server.llama import Unavailable, llama_server, recording_proxy

pytestmark = [pytest.mark.llm_server, pytest.mark.xdist_group("llm-server"), pytest.mark.timeout(300)]

ROUTES = {"answer", "clarify", "consent_required", "confirm", "handoff", "decline", "blocked"}   # DESIGN.md §4.3
CARD_NUMBER = "4111 1111 1111 1111"
TURNS = ("what's my balance?", "freeze my card", "the Cashback Visa", "yes",
         "what is the fee for using my debit card abroad?",
         f"my card {CARD_NUMBER} was stolen, what now?")
TIMINGS: dict[str, list] = {}
# A fresh prompt (~500-900 tokens past the cached system prompt) takes 5-15 s on a shared 2-core machine: give the
# model time to answer, so the turns exercise its replies rather than only the deadline's fallback.
DEADLINE = {"turn_deadline_s": 60} if "turn_deadline_s" in Settings.model_fields else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One llama.cpp server for the module; a failure to install or start it fails the tests, with the reason."""
    try:
        with llama_server(tmp_path_factory.mktemp("llama") / "server.log") as started:
            TIMINGS["server_start_s"] = [round(started.started_s, 2)]
            yield started
    except Unavailable as exc:
        pytest.fail(f"the real-model tests need a llama.cpp server: {exc}", pytrace=False)


@pytest.fixture
def proxy(server):
    with recording_proxy(server.url) as recording:
        yield recording


def bank_state(runtime) -> tuple[str, set[str], set[str], dict[str, str]]:
    """The bank's data digest, pending and executed action ids, and card statuses."""
    with runtime.db.session() as session:
        actions = session.execute(select(PendingAction.id, PendingAction.status)).all()
        cards = dict(session.execute(select(Card.id, Card.status).where(Card.customer_id == "demo-debt")).all())
        return (content_hash(session), {a for a, s in actions if s == "pending"},
                {a for a, s in actions if s == "executed"}, cards)


@pytest.mark.parametrize("streaming", [True, False], ids=["sse", "json"])
def test_turns_through_the_product_keep_every_guarantee(streaming, runtime, proxy, tmp_path, server):
    with runtime.db.session() as session:       # so that "freeze my card" can be proposed, not only refused
        consent.grant(session, "demo-debt", ["cards:manage"], now=runtime.settings.now())
    settings = make_settings(tmp_path, provider="openai:smollm2-135m", openai_base_url=proxy.url,
                             openai_timeout_s=60, openai_max_retries=0, openai_streaming=streaming,
                             **DEADLINE)
    bot = Copilot(Runtime(settings))
    conversation = bot.start("demo-debt")
    log = []
    for text in TURNS:
        digest, pending, executed, cards = bank_state(runtime)
        asked = len(proxy.exchanges)
        began = time.perf_counter()
        result = bot.send(conversation, text)                          # no exception, whatever the model says
        seconds = time.perf_counter() - began
        after_digest, _, after_executed, after_cards = bank_state(runtime)
        exchanges = proxy.exchanges[asked:]
        log.append({"text": text, "route": result.route, "seconds": round(seconds, 2),
                    "tools": [(t["name"], t["status"]) for t in result.tools], "answer": result.answer[:160],
                    "fallback": [r for r in result.guard["untrusted"] if r.startswith("llm_unavailable")],
                    "server": [{"status": e.status, "seconds": round(e.seconds, 2), **e.reply()} for e in exchanges]})

        print(json.dumps(log[-1]))                      # shown with a failure: what the model said, turn by turn
        assert result.route in ROUTES, log[-1]
        assert result.answer.strip(), f"an empty answer: {log[-1]}"
        assert result.prompt_tokens > 0, log[-1]
        if result.route == "blocked" and result.guard["output"] is None:
            assert result.guard["input"]["verdict"] == "block", log[-1]
        else:
            assert result.guard["output"] and result.guard["output"]["verdict"], f"no output filter: {log[-1]}"
        # a write runs only as the answer to a proposal made in an earlier turn
        assert after_executed - executed <= pending, f"a write ran without a confirmation turn: {log[-1]}"
        if after_executed == executed:
            assert after_digest == digest and after_cards == cards, f"the bank changed without a write: {log[-1]}"
        if text in ("freeze my card", "the Cashback Visa"):                 # a proposal at most, never the write
            assert after_cards == cards and set(after_cards.values()) == {"active"}, log[-1]

    sent = proxy.sent()
    assert CARD_NUMBER not in sent and CARD_NUMBER.replace(" ", "") not in sent, "a card number reached the server"
    with runtime.db.session() as session:                  # nor is it stored: messages and traces keep placeholders
        stored = json.dumps([*session.scalars(select(Message.content).where(Message.conversation_id == conversation)),
                             *session.scalars(select(TurnTrace.trace).where(TurnTrace.conversation_id == conversation))],
                            default=str)
    assert "[CARD_1]" in stored and CARD_NUMBER not in stored and CARD_NUMBER.replace(" ", "") not in stored
    assert any(e.status == 200 and e.reply()["finish_reason"] for e in proxy.exchanges), \
        f"the real server never completed a reply: {log}"
    assert all(e.request.get("stream", False) == streaming for e in proxy.exchanges)
    TIMINGS.setdefault("turns", []).extend((streaming, entry["seconds"]) for entry in log)
    print(json.dumps({"streaming": streaming, "turns": log, "timings": TIMINGS}, indent=1))
