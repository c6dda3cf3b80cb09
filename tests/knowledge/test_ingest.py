"""Incremental ingestion: unchanged chunks are never re-embedded, a changed document is re-embedded alone."""

from __future__ import annotations

import pytest

from knowledge import HybridRetriever, ingest
from knowledge.embedding import CopilotMiniLM
from knowledge.retriever import Tuning
from knowledge.store import get_collection, open_client


@pytest.fixture
def embedded_texts(monkeypatch) -> list[str]:
    """Every chunk text embedded for the index during the test (ingest's screening embeds sentences too)."""
    seen: list[str] = []
    real = CopilotMiniLM.__call__

    def spy(self, input):
        seen.extend(input)
        return real(self, input)

    monkeypatch.setattr(CopilotMiniLM, "__call__", spy)
    return seen


def test_first_ingest_embeds_everything_and_a_second_embeds_nothing(settings, mini_docs, embedded_texts):
    first = ingest(settings, mini_docs)
    assert first.documents == 7 and first.embedded == first.chunks > 0 and first.removed == 0
    embedded_texts.clear()
    second = ingest(settings, mini_docs)
    assert (second.embedded, second.unchanged, second.removed) == (0, first.chunks, 0)
    assert embedded_texts == []


def test_a_changed_document_is_re_embedded_alone(settings, mini_docs, embedded_texts):
    ingest(settings, mini_docs)
    embedded_texts.clear()
    path = mini_docs / "card-fees.md"
    path.write_text(path.read_text().replace("costs $5", "costs $7"))
    report = ingest(settings, mini_docs)
    assert report.changed_docs == ["card-fees@1"]
    assert report.embedded == report.removed == 1
    assert len(embedded_texts) == 1 and "costs $7" in embedded_texts[0]
    hit = HybridRetriever(settings, mini_docs).search("how much is a replacement card").hits[0]
    assert hit.citation == "card-fees#replacement-cards" and "$7" in hit.text


def test_a_removed_document_disappears_from_the_index(settings, mini_docs):
    ingest(settings, mini_docs)
    (mini_docs / "california-notice.md").unlink()
    report = ingest(settings, mini_docs)
    assert report.removed_docs == ["california-notice@1"] and report.embedded == 0
    result = HybridRetriever(settings, mini_docs).search("delete my personal information california")
    assert all(hit.doc_id != "california-notice" for hit in result.hits)


def test_rebuild_embeds_everything_again(settings, mini_docs, embedded_texts):
    first = ingest(settings, mini_docs)
    embedded_texts.clear()
    rebuilt = ingest(settings, mini_docs, rebuild=True)
    assert rebuilt.embedded == first.chunks == len(embedded_texts)
    assert get_collection(open_client(settings), settings).count() == first.chunks


def test_progress_reports_every_batch(settings, mini_docs):
    calls = []
    report = ingest(settings, mini_docs, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (report.embedded, report.embedded)
    assert report.chunks_per_second > 0


def test_a_running_retriever_notices_a_re_ingest(settings, mini_docs):
    ingest(settings, mini_docs)
    retriever = HybridRetriever(settings, mini_docs, Tuning(refresh_seconds=0))
    assert "$5" in retriever.search("replacement card cost").hits[0].text
    path = mini_docs / "card-fees.md"
    path.write_text(path.read_text().replace("costs $5", "costs $9"))
    ingest(settings, mini_docs)
    assert "$9" in retriever.search("replacement card cost").hits[0].text


def test_a_long_section_is_shown_whole_without_repeated_overlap(settings, mini_docs):
    sentences = [f"Rule {i}: the fee for item {i} is {i} dollars." for i in range(80)]
    (mini_docs / "long.md").write_text("---\nid: long-rules\ntitle: Long rules\ntype: fee\nversion: '1'\n"
                                       "effective_date: 2025-01-01\njurisdiction: US\naudience: customer\n---\n\n"
                                       "# Long rules\n\n## All the rules\n\n" + " ".join(sentences) + "\n")
    report = ingest(settings, mini_docs)
    section = HybridRetriever(settings, mini_docs).get_section("long-rules#all-the-rules")
    assert report.chunks > 10                       # the section was split into several chunks
    assert all(section.text.count(sentence) == 1 for sentence in sentences)
