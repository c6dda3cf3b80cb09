"""Heading-aware chunking: sections stay whole or split to the token budget with overlap, metadata travels along."""

from __future__ import annotations

from datetime import date

import pytest

from copilot.tokens import count_tokens
from knowledge.chunking import MAX_TOKENS, chunk_document, slugify
from knowledge.corpus import load_corpus, parse_document


def doc(body: str, **front) -> object:
    meta = {"id": "test-doc", "title": "Test doc", "type": "faq", "version": "2", "effective_date": "2026-02-01",
            "jurisdiction": "US-CA", "audience": "agent", **front}
    header = "\n".join(f"{key}: {value!r}" if key == "version" else f"{key}: {value}" for key, value in meta.items())
    return parse_document(f"---\n{header}\n---\n\n{body}", "test.md")


def test_each_section_becomes_a_chunk_with_its_heading_path_and_citation():
    chunks = chunk_document(doc("# Test doc\n\nIntro.\n\n## Fees\n\nFee text.\n\n### ATM fees\n\nATM text.\n"))
    assert [(c.section, c.slug, c.text) for c in chunks] == [
        ("", "overview", "Intro."), ("Fees", "fees", "Fee text."), ("Fees > ATM fees", "atm-fees", "ATM text.")]
    assert chunks[2].citation == "test-doc#atm-fees"
    assert chunks[2].embed_text.startswith("Test doc > Fees > ATM fees\n")


def test_chunks_carry_the_documents_identity():
    chunk = chunk_document(doc("## Section\n\nText."))[0]
    assert (chunk.doc.id, chunk.doc.version, chunk.doc.effective_date, chunk.doc.audience, chunk.doc.jurisdiction) \
        == ("test-doc", "2", date(2026, 2, 1), "agent", "US-CA")


def test_slugs_follow_github_anchors_and_stay_unique():
    assert slugify("What's the APR? (variable)") == "whats-the-apr-variable"
    chunks = chunk_document(doc("## Limits\n\nA.\n\n## Limits\n\nB.\n"))
    assert [c.slug for c in chunks] == ["limits", "limits-1"]


def test_headings_inside_code_fences_are_text():
    chunks = chunk_document(doc("## Real\n\n```\n# not a heading\n```\n"))
    assert len(chunks) == 1 and "# not a heading" in chunks[0].text


@pytest.mark.parametrize("budget", [40, 80, MAX_TOKENS])
def test_every_chunk_of_the_corpus_fits_the_token_budget(budget):
    for document in load_corpus():
        for chunk in chunk_document(document, max_tokens=budget, overlap_tokens=budget // 6):
            assert count_tokens(chunk.embed_text) <= budget, chunk.citation


def test_long_sections_split_with_overlap():
    sentences = " ".join(f"Rule number {i} says the fee is {i} dollars." for i in range(60))
    chunks = chunk_document(doc(f"## Rules\n\n{sentences}"), max_tokens=80, overlap_tokens=20)
    assert len(chunks) > 3 and {c.slug for c in chunks} == {"rules"}
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for before, after in zip(chunks, chunks[1:]):
        last_sentence = before.text.rsplit(". ", 1)[-1].strip()
        assert after.text.startswith(last_sentence.rstrip(".")), (before.text, after.text)


def test_split_tables_repeat_their_header_row():
    rows = "\n".join(f"| scope:{i} | what scope {i} lets the copilot do for you |" for i in range(30))
    chunks = chunk_document(doc(f"## Scopes\n\n| Scope | Meaning |\n| --- | --- |\n{rows}"), max_tokens=80)
    assert len(chunks) > 1
    assert all(c.text.startswith("| Scope | Meaning |\n| --- | --- |\n") for c in chunks)


def test_chunk_ids_change_only_when_content_changes():
    first = chunk_document(doc("## A\n\nSame.\n\n## B\n\nOld."))
    second = chunk_document(doc("## A\n\nSame.\n\n## B\n\nNew."))
    assert first[0].id == second[0].id
    assert first[1].id != second[1].id
    moved = chunk_document(doc("## B\n\nOld.\n\n## A\n\nSame."))
    assert {c.id for c in moved} == {c.id for c in first}
