"""Against one `copilot serve --workers 2` (requests land on either process): two sessions of one customer
confirming the same pending action at once, consent revoked while turns are running, and a bounded soak with no
5xx and flat memory. One test with a subtest per scenario, so the server starts once whatever the xdist split."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from copilot.bench.load import drive
from copilot.bench.server import ServerProcess, customer_tokens
from copilot.runtime import Runtime
from copilot.store.models import AuditEvent, Card, Message
from tests.resilience.conftest import bearer, private_bank

CARDS = (("demo-gig", "2094"), ("demo-gig", "4108"), ("demo-newjob", "8427"))
WARMUP_SECONDS, SOAK_SECONDS, SOAK_SESSIONS = 10, 60, 8


class Session:
    """One signed-in browser tab: its own token for the customer."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers=bearer(token), timeout=120)

    def start(self) -> str:
        return self.http.post("/api/conversations", json={"channel": "web"}).json()["id"]

    def say(self, conversation: str, text: str) -> httpx.Response:
        return self.http.post(f"/api/conversations/{conversation}/messages?stream=false", json={"text": text})


def audit_count(runtime: Runtime, action_id: str, decision: str) -> int:
    with runtime.db.session() as session:
        events = session.scalars(select(AuditEvent.detail).where(AuditEvent.kind == "action",
                                                                 AuditEvent.decision == decision)).all()
    return sum(detail.get("action_id") == action_id for detail in events)


def confirm_race(server: ServerProcess, tokens: dict[str, str], customer: str, last4: str) -> None:
    """Two tabs press Confirm twice each and say "yes" in the chat, all at once: the card is frozen exactly once."""
    runtime = Runtime(server.settings)
    first = Session(server.url, tokens[customer])
    second = Session(server.url, customer_tokens(server.settings, [customer], label="second-tab")[customer])
    assert first.http.post(f"/api/customers/{customer}/consents", json={"scopes": ["cards:manage"]}).status_code == 201
    conversation = first.start()
    proposed = first.say(conversation, f"freeze my card ending {last4}").json()
    assert proposed["route"] == "confirm", proposed
    action_id = proposed["pending_action"]["id"]
    barrier = threading.Barrier(6)

    def press(session: Session) -> httpx.Response:
        barrier.wait()
        return session.http.post(f"/api/actions/{action_id}/confirm")

    def yes(session: Session) -> httpx.Response:
        barrier.wait()
        return session.say(conversation, "yes")

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(do, tab) for do in (press, yes) for tab in (first, second, first)]
        responses = [f.result(timeout=180) for f in futures]
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    presses = [r.json() for r in responses[:3]]
    assert all(p["status"] == "executed" for p in presses) and sum(not p["replayed"] for p in presses) <= 1
    assert audit_count(runtime, action_id, "executed") == 1, "the card was frozen exactly once"
    with runtime.db.session() as session:
        card = session.scalar(select(Card).where(Card.customer_id == customer, Card.last4 == last4))
        notes = session.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == conversation,
                                                                               Message.role == "system"))
    assert card.status == "frozen" and notes <= 1


def revocation_race(server: ServerProcess, tokens: dict[str, str]) -> None:
    """Three tabs keep asking for the balance while a fourth revokes accounts:read: every later turn is refused."""
    customer = "demo-sme"
    stop, turns, revoked_at = threading.Event(), [], []

    def chat(token: str) -> None:
        tab = Session(server.url, token)
        conversation = tab.start()
        while not stop.is_set():
            sent = time.monotonic()
            turn = tab.say(conversation, "what's my balance?").json()
            allowed = any(t["name"] == "get_balances" and t["allowed"] for t in turn["tools"])
            turns.append((sent, allowed, turn["route"]))

    tabs = [tokens[customer], *(customer_tokens(server.settings, [customer], label=f"tab-{n}")[customer]
                                for n in range(2))]
    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        running = [pool.submit(chat, token) for token in tabs]
        time.sleep(3)
        response = httpx.post(f"{server.url}/api/customers/{customer}/consents/revoke",
                              json={"scopes": ["accounts:read"]}, headers=bearer(tokens[customer]), timeout=60)
        assert response.status_code == 200, response.text
        revoked_at.append(time.monotonic())
        time.sleep(4)
        stop.set()
        for future in running:
            future.result(timeout=180)
    before = [t for t in turns if t[0] < revoked_at[0]]
    after = [t for t in turns if t[0] > revoked_at[0]]
    assert any(allowed for _, allowed, _ in before), "the balance was readable before the revocation"
    assert len(after) >= 3, f"too few turns after the revocation: {turns}"
    assert [(allowed, route) for _, allowed, route in after] == [(False, "consent_required")] * len(after)


def soak(server: ServerProcess, tokens: dict[str, str]) -> None:
    """Closed-loop traffic at whatever the server sustains: no error at all, and resident memory stays flat."""
    warm = drive(server.url, tokens, SOAK_SESSIONS, seconds=WARMUP_SECONDS)
    rss_start = server.rss_mb()
    soak = drive(server.url, tokens, SOAK_SESSIONS, seconds=SOAK_SECONDS)
    rss_end = server.rss_mb()
    figures = soak.figures()
    assert warm.errors == 0 and soak.errors == 0, (figures["statuses"], warm.failures[:3], soak.failures[:3])
    assert figures["turns"] >= SOAK_SECONDS // 10, figures
    assert rss_end <= rss_start * 1.25 + 64, f"resident memory grew from {rss_start} MB to {rss_end} MB: {figures}"


@pytest.mark.slow
def test_two_workers_hold_up_under_races_revocation_and_soak(tmp_path, bank_db, kb_chroma, subtests):
    settings = private_bank(tmp_path, bank_db, kb_chroma)
    tokens = customer_tokens(settings)
    with ServerProcess(settings, workers=2) as server:
        for customer, last4 in CARDS:
            with subtests.test("two sessions confirm one action", card=last4):
                confirm_race(server, tokens, customer, last4)
        with subtests.test("a revocation wins for every later turn"):
            revocation_race(server, tokens)
        with subtests.test("soak: no 5xx, flat memory"):
            soak(server, tokens)
