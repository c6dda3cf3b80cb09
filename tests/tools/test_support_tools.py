"""search_knowledge (through the Retriever protocol) and handoff_to_agent (queue, conversation status)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from copilot.context import KnowledgeHit, KnowledgeResult
from copilot.store.models import Conversation, Handoff
from tests.tools.conftest import audit_count, call, ok


class FakeRetriever:
    """Implements copilot.context.Retriever and remembers how it was asked."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def search(self, query, *, audience="customer", k=5, jurisdiction=None, on=None) -> KnowledgeResult:
        self.calls.append({"query": query, "audience": audience, "k": k, "on": on})
        hit = KnowledgeHit(doc_id="card-disputes", section="timelines", citation="card-disputes#timelines",
                           title="Disputing a card charge", text="Open a dispute within 120 days.", score=0.8123456,
                           doc_type="policy", version="3", effective_date=date(2026, 1, 1), audience=audience)
        return KnowledgeResult(query=query, hits=[hit][:k], answerable=True)


def test_search_knowledge_passes_audience_date_and_returns_citations(runtime, make_ctx):
    retriever = FakeRetriever()
    result = ok(make_ctx(retriever=retriever), "search_knowledge", query="how long do I have to dispute", k=3)
    assert retriever.calls == [{"query": "how long do I have to dispute", "audience": "customer", "k": 3,
                                "on": date(2026, 11, 28)}]
    assert result["answerable"] is True and result["hits"][0]["citation"] == "card-disputes#timelines"
    assert result["hits"][0]["score"] == 0.8123 and result["hits"][0]["effective_date"] == "2026-01-01"
    agent = make_ctx(role="support_agent", retriever=retriever)
    assert ok(agent, "search_knowledge", query="dispute timelines")["audience"] == "agent", \
        "agents see agent-only guidance and need no customer consent to search the knowledge base"
    assert retriever.calls[-1]["audience"] == "agent"
    assert audit_count(runtime, name="search_knowledge", decision="allowed") == 2


def test_search_knowledge_without_a_retriever_is_an_error_not_a_crash(ctx):
    outcome = call(ctx, "search_knowledge", query="overdraft fees")
    assert outcome.status == "error" and "not available" in outcome.error


def test_handoff_queues_once_per_conversation_and_marks_it(runtime, make_ctx):
    now = make_ctx().now
    with runtime.db.session() as session:
        session.add(Conversation(id="conv-h", customer_id="demo-debt", channel="web", created_at=now, updated_at=now))
    ctx = make_ctx(conversation_id="conv-h")
    first = ok(ctx, "handoff_to_agent", reason="customer asks for a person")
    again = ok(ctx, "handoff_to_agent", reason="still waiting", priority="high")
    assert first["created"] and not again["created"] and again["handoff_id"] == first["handoff_id"]
    urgent = ok(make_ctx("demo-newjob"), "handoff_to_agent", reason="card stolen abroad", priority="high")
    assert urgent["position_in_queue"] == 1, "high priority goes first"
    assert ok(make_ctx("demo-gig"), "handoff_to_agent", reason="complaint")["position_in_queue"] == 3
    with runtime.db.session() as session:
        assert session.get(Conversation, "conv-h").status == "handoff"
        handoff = session.get(Handoff, first["handoff_id"])
        assert (handoff.reason, handoff.priority, handoff.status) == ("customer asks for a person", "normal", "queued")
        made = session.get(Conversation, urgent["conversation_id"])
        assert made.customer_id == "demo-newjob" and made.status == "handoff", "a hand-off outside a chat gets one"


def test_handoff_to_someone_elses_conversation_is_refused(runtime, make_ctx):
    now = make_ctx().now
    with runtime.db.session() as session:
        session.add(Conversation(id="conv-x", customer_id="demo-gig", channel="web", created_at=now, updated_at=now))
    outcome = call(make_ctx(conversation_id="conv-x"), "handoff_to_agent", reason="help")
    assert outcome.status == "not_found"
    with runtime.db.session() as session:
        assert session.scalars(select(Handoff).where(Handoff.conversation_id == "conv-x")).all() == []
