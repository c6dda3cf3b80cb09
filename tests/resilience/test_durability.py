"""Kill -9 of `copilot serve` in the middle of concurrent conversations, confirmations and consent changes; then a
restart. Every acknowledged message (with its reply and audit), consent change and confirmation is there, and no
confirmed action ran twice or half: card status, pending action status, executed audit events and disputes agree."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from copilot import consent
from copilot.bench.load import LoadResult, drive
from copilot.bench.server import ServerProcess, customer_tokens
from copilot.runtime import Runtime
from copilot.store.models import (AuditEvent, Card, Consent, ConsentEvent, Dispute, Message, PendingAction, Transaction,
                                  TurnTrace)
from tests.resilience.conftest import bearer
from tests.tools.conftest import call, context

KILL_AFTER = 4.0            # seconds of traffic before the power cut
CONFIRM_EVERY = 0.06        # the confirmations start half a second before it
TOGGLED = ("demo-traveler", "marketing:offers")


def propose_actions(runtime: Runtime) -> dict[str, dict]:
    """A pending freeze for every card and a pending dispute of each customer's latest posted charge."""
    actions = {}
    with runtime.db.session() as session:
        cards = session.scalars(select(Card).order_by(Card.id)).all()
        charges = {c: session.scalar(select(Transaction).where(Transaction.customer_id == c, Transaction.amount < 0,
                                                               Transaction.status == "posted")
                                     .order_by(Transaction.occurred_at.desc()).limit(1))
                   for c in runtime.customer_ids()}
        for customer in charges:
            consent.grant(session, customer, ["cards:manage", "disputes:write"], now=runtime.settings.now())
    for card in cards:
        outcome = call(context(runtime, card.customer_id), "freeze_card", card=card.id, reason="lost")
        actions[outcome.pending_action["id"]] = {"customer": card.customer_id, "card": card.id}
    for customer, charge in charges.items():
        outcome = call(context(runtime, customer), "dispute_transaction", transaction_id=charge.id,
                       reason="not_received")
        actions[outcome.pending_action["id"]] = {"customer": customer, "transaction": charge.id}
    assert all(a.startswith("act-") for a in actions) and len(actions) == 17
    return actions


def confirm(url: str, token: str, action_id: str) -> dict | None:
    """POST the Confirm button; the JSON body when the server acknowledged it, else None."""
    try:
        response = httpx.post(f"{url}/api/actions/{action_id}/confirm", headers=bearer(token), timeout=120)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def toggle_consent(url: str, token: str, stop: threading.Event, acked: list[tuple[str, dict | list]]) -> None:
    """Grant and revoke one scope back and forth; keep every acknowledged change."""
    customer, scope = TOGGLED
    base = f"{url}/api/customers/{customer}/consents"
    while not stop.is_set():
        for verb, path, status in (("grant", base, 201), ("revoke", f"{base}/revoke", 200)):
            try:
                response = httpx.post(path, json={"scopes": [scope]}, headers=bearer(token), timeout=60)
            except httpx.HTTPError:
                return
            if response.status_code == status:
                acked.append((verb, response.json()))


def executed_audits(runtime: Runtime) -> dict[str, int]:
    with runtime.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "action",
                                                          AuditEvent.decision == "executed")).all()
    counts: dict[str, int] = {}
    for action_id in filter(None, (event.detail.get("action_id") for event in events)):   # not hand-off moves
        counts[action_id] = counts.get(action_id, 0) + 1
    return counts


def assert_consistent(runtime: Runtime, actions: dict[str, dict]) -> set[str]:
    """Each action is pending or executed, its effect matches its status, and it ran at most once; the executed."""
    executed, audits = set(), executed_audits(runtime)
    with runtime.db.session() as session:
        for action_id, what in actions.items():
            status = session.get(PendingAction, action_id).status
            assert status in ("pending", "executed"), (action_id, status)
            if "card" in what:
                effect = session.get(Card, what["card"]).status == "frozen"
            else:
                effect = session.scalar(select(func.count()).select_from(Dispute)
                                        .where(Dispute.transaction_id == what["transaction"])) == 1
            assert effect == (status == "executed") == (audits.get(action_id, 0) == 1), (action_id, status, effect)
            assert audits.get(action_id, 0) <= 1, f"{action_id} ran twice"
            executed |= {action_id} if status == "executed" else set()
    return executed


def assert_acknowledged_turns_survived(runtime: Runtime, acks) -> None:
    with runtime.db.session() as session:
        for ack in acks:
            message = session.scalar(select(Message).where(Message.conversation_id == ack.conversation_id,
                                                           Message.client_message_id == ack.client_message_id))
            assert message is not None and message.content == ack.text, ack
            trace = session.scalar(select(TurnTrace).where(TurnTrace.user_message_id == message.id))
            assert trace is not None and trace.route == ack.route, ack
            audited = session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.conversation_id == ack.conversation_id))
            assert audited >= 1, f"no audit event for acknowledged turn {ack}"


def assert_acknowledged_consents_survived(runtime: Runtime, acked: list) -> None:
    with runtime.db.session() as session:
        for verb, body in acked:
            for grant in body if isinstance(body, list) else [body]:
                row = session.get(Consent, grant["id"])
                assert row is not None and (verb == "grant" or row.status == "revoked"), (verb, grant)
                events = session.scalars(select(ConsentEvent.event).where(ConsentEvent.consent_id == grant["id"])).all()
                assert verb in events, (verb, grant, events)
        audits = session.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.kind == "consent", AuditEvent.customer_id == TOGGLED[0]))
    assert audits >= len(acked)


def traffic_through_a_power_cut(server: ServerProcess, tokens: dict[str, str],
                                actions: dict[str, dict]) -> tuple[LoadResult, dict[str, dict | None], list]:
    """Conversations, consent toggles and a stream of confirmations on the server, which is killed -9 after
    KILL_AFTER seconds; (the load's result, each confirmation's acknowledged body or None, the acked consents)."""
    stop, consents = threading.Event(), []
    with ThreadPoolExecutor(max_workers=24) as pool:
        load = pool.submit(drive, server.url, tokens, 8, stop=stop)
        toggles = pool.submit(toggle_consent, server.url, tokens[TOGGLED[0]], stop, consents)
        power_cut = threading.Timer(KILL_AFTER, server.kill)
        power_cut.start()
        time.sleep(KILL_AFTER - 0.5)
        confirms = {}
        for action_id, what in actions.items():            # a stream of confirmations across the power cut
            confirms[action_id] = pool.submit(confirm, server.url, tokens[what["customer"]], action_id)
            time.sleep(CONFIRM_EVERY)
        power_cut.join()
        stop.set()
        result, _ = load.result(timeout=120), toggles.result(timeout=120)
        acked = {a: f.result(timeout=120) for a, f in confirms.items()}
    return result, acked, consents


def assert_nothing_acknowledged_was_lost(runtime: Runtime, actions: dict[str, dict], result: LoadResult,
                                         acked: dict[str, dict | None], consents: list) -> set[str]:
    """Every acknowledged turn, consent change and confirmation is in the database, nothing ran twice or half;
    the actions executed."""
    assert result.acks, f"no turn was acknowledged before the kill: {result.failures[:3]}"
    assert result.transport_errors, "the kill must have interrupted some turns"
    executed = assert_consistent(runtime, actions)
    assert {a for a, body in acked.items() if body} <= executed, "an acknowledged confirmation was lost"
    assert_acknowledged_turns_survived(runtime, result.acks)
    assert_acknowledged_consents_survived(runtime, consents)
    return executed


def assert_the_rest_run_once(url: str, tokens: dict[str, str], runtime: Runtime, actions: dict[str, dict],
                             executed: set[str]) -> None:
    """Confirming every action again through the server at url runs only the unfinished ones."""
    after = {a: confirm(url, tokens[w["customer"]], a) for a, w in actions.items()}
    assert all(body and body["status"] == "executed" for body in after.values()), after
    assert {a for a, body in after.items() if body["replayed"]} == executed, "only the unfinished ones run now"
    assert assert_consistent(runtime, actions) == set(actions)


@pytest.mark.slow
def test_kill_9_mid_traffic_loses_nothing_acknowledged_and_runs_nothing_twice(bank):
    runtime = Runtime(bank)
    actions = propose_actions(runtime)
    tokens = customer_tokens(bank)
    with ServerProcess(bank, workers=1) as server:
        result, acked, consents = traffic_through_a_power_cut(server, tokens, actions)
    executed = assert_nothing_acknowledged_was_lost(runtime, actions, result, acked, consents)
    with ServerProcess(bank, workers=1) as restarted:
        assert_the_rest_run_once(restarted.url, tokens, runtime, actions, executed)
