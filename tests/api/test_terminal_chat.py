"""`copilot chat` in a terminal: progress while it starts, answers with their line breaks, table titles whole, cards
named once, sources by title, a support agent's arrival and replies once they have taken the hand-off, and the demo
phone's one-time code for a risky payment."""

from __future__ import annotations

import re
import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from copilot import consent
from copilot.agent.loop import Copilot
from copilot.api.app import create_app
from copilot.cli.chat import Chat
from copilot.cli.common import console
from copilot.cli.main import app as cli_app
from copilot.store.models import Transaction


class OnePoll(threading.Event):
    """A stop signal that lets the watcher poll exactly once."""

    def wait(self, timeout=None) -> bool:
        self.polled = getattr(self, "polled", 0) + 1
        return self.polled > 1


def chat(*messages: str, customer: str = "demo-debt") -> str:
    result = CliRunner().invoke(cli_app, ["chat", "--customer", customer, *[a for m in messages for a in ("-m", m)]])
    assert result.exit_code == 0, result.output
    return result.output


def test_start_up_shows_progress_and_answers_keep_their_line_breaks_and_table_titles(cli_bank):
    output = chat("how long to clear my cards if I pay 900 a month?")
    steps = [line for line in output.splitlines() if line.startswith("starting: ")]
    assert "starting: loading the understanding model…" in steps and len(steps) >= 4, output
    assert output.index("starting: loading the safety checks…") < output.index("copilot · answer"), "before the answer"
    assert re.search(r"^│ Paying only the minimums", output, re.M), f"a line break in the answer is kept: {output}"
    assert re.search(r"^Debt balance over time \(estimate\)$", output, re.M), f"the table title is one line: {output}"


def test_a_card_whose_name_says_card_is_not_called_card_card(cli_bank):
    with cli_bank.db.session() as session:
        consent.grant(session, "demo-debt", ["cards:manage"], now=cli_bank.settings.now())
    output = chat("freeze my homestyle store card")
    assert "HomeStyle Store Card ending" in output and "Store Card card" not in output, output


def test_sources_are_listed_by_title_not_by_slug(cli_bank):
    output = chat("my virtual card payment was declined, why?", customer="demo-newjob")
    assert re.search(r"^\s+\[1\] Virtual and disposable cards: ", output, re.M), output
    assert not re.search(r"[a-z]+-[a-z-]+#[a-z-]+", output), f"no slug on screen: {output}"


def test_the_support_agent_joining_and_replying_is_shown_once(api_runtime, tokens):
    bot = Copilot(api_runtime)
    session = Chat(api_runtime, bot, "demo-gig")
    agent = tokens.agent()
    with console.capture() as before, TestClient(create_app(runtime=api_runtime)) as client:
        session.send("I'd like to talk to a person")
        [handoff] = [h for h in client.get("/api/assist/handoffs", headers=agent).json()
                     if h["conversation_id"] == session.conversation_id]
        assert client.post(f"/api/assist/handoffs/{handoff['id']}/take", headers=agent).status_code == 200
        sent = client.post(f"/api/assist/conversations/{session.conversation_id}/reply", headers=agent,
                           json={"text": "Hi Alex, this is Alice from support. How can I help?"})
        assert sent.status_code == 200, sent.text
    with console.capture() as arrived:
        session.watch(0, OnePoll())                      # what the interactive chat runs while it waits for input
        session.catch_up()
    shown = arrived.get()
    assert "support team has joined the conversation" not in before.get()
    assert shown.count("A member of our support team has joined the conversation.") == 1, shown
    assert shown.count("Hi Alex, this is Alice from support.") == 1 and "support agent" in shown, shown
    with console.capture() as relayed:
        result = session.send("thanks, my card was declined abroad")
    assert result.route == "handoff" and "gone to the support agent" in relayed.get(), relayed.get()


def test_a_payment_to_a_new_payee_shows_the_demo_phone_and_goes_ahead_on_its_code(api_runtime):
    with api_runtime.db.session() as db:
        consent.grant(db, "demo-traveler", ["payments:write"], now=api_runtime.settings.now())
    session = Chat(api_runtime, Copilot(api_runtime), "demo-traveler")
    with console.capture() as asked:
        proposal = session.send("send $80 to Sofia Rossi")
    shown = asked.get()
    assert proposal.route == "confirm" and proposal.pending_action["requires_step_up"], shown
    code = re.search(r"Your one-time code is (\d{6})", shown)
    assert code and "demo phone · Phone ending 0163" in shown, f"the demo phone shows the code: {shown}"
    with console.capture() as paid:
        result = session.send(code.group(1))
    assert result.route == "answer" and "Sofia Rossi" in paid.get() and not result.pending_action, paid.get()
    with api_runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Transaction).where(
            Transaction.customer_id == "demo-traveler", Transaction.merchant == "Sofia Rossi")) == 1, "paid once"
