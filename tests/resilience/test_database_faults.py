"""Database faults seen through the API: a write lock held for a moment or for the whole turn (SQLite), and the
database going away (PostgreSQL behind a proxy that cuts the line). The copilot answers normally or returns a
clear JSON error (503), never a traceback or an unfiltered answer, and recovers on its own when the fault clears."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from copilot.runtime import Runtime
from copilot.store.models import Message
from tests.api.conftest import Tokens, start
from tests.conftest import make_settings
from tests.resilience.conftest import app_client
from tests.resilience.faults import TcpProxy, sqlite_write_lock

BALANCE = "what's my balance?"


def post_turn(client, headers, conversation: str, text: str = BALANCE, *, stream: bool = False, **extra):
    return client.post(f"/api/conversations/{conversation}/messages?stream={str(stream).lower()}",
                       json={"text": text, **extra}, headers=headers)


def assert_clean_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body
    assert "Traceback" not in response.text and "File \"" not in response.text


def test_a_write_lock_held_for_a_moment_is_waited_out(api, bank):
    client, tokens = api
    headers = tokens.customer("demo-debt")
    conversation = start(client, headers)
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with sqlite_write_lock(bank.data_dir / "copilot.db"):
            taken.set()
            done.wait(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    response = post_turn(client, headers, conversation)
    holder.join()
    assert response.status_code == 200, response.text
    assert response.json()["route"] == "answer" and response.json()["tools"][0]["name"] == "get_balances"


def test_a_write_lock_held_through_the_turn_is_a_clean_503_then_recovers(api, bank):
    client, tokens = api
    headers = tokens.customer("demo-newjob")
    conversation = start(client, headers)
    replies: dict[str, object] = {}

    def ask(kind: str) -> None:
        replies[kind] = post_turn(client, headers, conversation, stream=kind == "sse", client_message_id=f"m-{kind}")

    with sqlite_write_lock(bank.data_dir / "copilot.db"):
        askers = [threading.Thread(target=ask, args=(kind,)) for kind in ("json", "sse")]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(120)
    assert_clean_error(replies["json"], 503, "database_unavailable")
    events = [line for line in replies["sse"].text.splitlines() if line.startswith("event:")]
    assert events == ["event: error"], replies["sse"].text            # no text released, no traceback
    assert "Traceback" not in replies["sse"].text
    retried = post_turn(client, headers, conversation, client_message_id="m-json")
    assert retried.status_code == 200 and retried.json()["route"] == "answer", retried.text
    with Runtime(bank).db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Message)
                                .where(Message.conversation_id == conversation))
    assert stored == 2, "only the retried turn after the lock is stored, once"


@pytest.mark.postgres
def test_postgres_going_away_is_a_clean_503_until_it_comes_back(tmp_path, postgres_url, kb_chroma):
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    shutil.copytree(kb_chroma, tmp_path / "chroma")
    runtime = Runtime(make_settings(tmp_path, database_url=proxied, chroma_path=tmp_path / "chroma"))
    runtime.seed_demo()
    try:
        with app_client(runtime) as client:
            headers = Tokens(runtime).customer("demo-gig")
            conversation = start(client, headers)
            assert post_turn(client, headers, conversation).status_code == 200
            proxy.cut()
            assert_clean_error(client.get("/health"), 503, "database_unavailable")
            assert_clean_error(post_turn(client, headers, conversation), 503, "database_unavailable")
            proxy.restore()
            deadline, response = time.monotonic() + 30, None
            while time.monotonic() < deadline:
                response = post_turn(client, headers, conversation)
                if response.status_code == 200:
                    break
                time.sleep(0.5)
            assert response.status_code == 200 and response.json()["route"] == "answer", response.text
            assert json.loads(client.get("/health").text)["status"] == "ok"
    finally:
        runtime.db.dispose()
        proxy.close()
