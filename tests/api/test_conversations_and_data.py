"""Conversations (list, history with charts, polling after an id) and the data views the pages read."""

from __future__ import annotations

from tests.api.conftest import say, start


def test_list_and_history_with_charts_and_polling(client, tokens):
    headers = tokens.customer("demo-newjob")
    first, second = start(client, headers), start(client, headers)
    say(client, headers, first, "How much did I spend last month?")
    listed = client.get("/api/conversations", headers=headers).json()
    assert {c["id"]: c["title"] for c in listed} == {first: "How much did I spend last month?", second: ""}
    history = client.get(f"/api/conversations/{first}", headers=headers).json()
    user, answer = history["messages"]
    assert (user["role"], user["author"], answer["role"]) == ("user", "customer", "assistant")
    assert answer["ui"][0]["kind"] == "bar", "reloading the page redraws the chart"
    assert client.get(f"/api/conversations/{first}?after={answer['id']}", headers=headers).json()["messages"] == []
    assert client.get("/api/conversations", headers=tokens.customer("demo-sme")).json() == []


def test_knowledge_answers_keep_their_citations(client, tokens):
    headers = tokens.customer("demo-traveler")
    conversation = start(client, headers)
    turn = say(client, headers, conversation, "what does it cost to use an ATM abroad?")
    assert turn["citations"] and all("#" in c for c in turn["citations"])
    answer = client.get(f"/api/conversations/{conversation}", headers=headers).json()["messages"][-1]
    assert answer["citations"] == turn["citations"]


def test_accounts_cards_profile_disputes_and_alerts(client, tokens):
    headers = tokens.customer("demo-debt")
    profile = client.get("/api/customers/demo-debt/profile", headers=headers).json()
    assert profile["name"] and profile["segment"] == "retail"
    data = client.get("/api/customers/demo-debt/accounts", headers=headers).json()
    assert data["accounts"] and all(len(a["last4"]) == 4 and "number" not in a for a in data["accounts"])
    assert {c["status"] for c in data["cards"]} == {"active"}
    assert client.get("/api/customers/demo-debt/disputes", headers=headers).json() == []
    alerts = client.get("/api/customers/demo-debt/alerts", headers=headers).json()
    assert alerts["available"] is True and alerts["alerts"], "the demo bank has injected anomalies to find"
    client.post("/api/customers/demo-debt/consents/revoke", json={"scopes": ["transactions:read"]}, headers=headers)
    gated = client.get("/api/customers/demo-debt/alerts", headers=headers).json()
    assert gated["available"] is False and gated["consent"]["scopes"] == ["transactions:read"]
