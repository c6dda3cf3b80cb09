"""The shipped corpus: enough documents, valid front matter, the required topics, numbers that match the demo bank."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from copilot.consent import SCOPES
from copilot.demo.personas import PERSONAS
from knowledge.corpus import DOCS_DIR, CorpusError, load_corpus, parse_document

GOOD_FRONT_MATTER = """---
id: sample-doc
title: Sample
type: faq
version: "1"
effective_date: 2026-01-01
jurisdiction: US
audience: customer
---

# Sample

Some text.
"""


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def by_id(corpus, doc_id, on=date(2026, 11, 28)):
    versions = [d for d in corpus if d.id == doc_id and d.effective_date <= on]
    return max(versions, key=lambda d: d.effective_date)


def test_corpus_has_forty_documents_of_every_type(corpus):
    ids = {doc.id for doc in corpus}
    assert len(ids) >= 40
    assert {doc.type for doc in corpus} == {"product", "policy", "fee", "faq", "procedure"}


def test_agent_only_procedures_are_marked_for_agents(corpus):
    agent_docs = {doc.id for doc in corpus if doc.audience == "agent"}
    assert {"agent-identity-verification", "agent-escalation", "agent-vulnerable-customers"} <= agent_docs
    assert all(doc.type == "procedure" for doc in corpus if doc.audience == "agent")


def test_required_topics_are_covered(corpus):
    ids = {doc.id for doc in corpus}
    required = {"checking-accounts", "savings-accounts", "credit-cards", "credit-card-interest-and-payments",
                "personal-loan", "overdraft-services", "sme-term-loan", "multi-currency-wallet", "foreign-exchange",
                "card-freeze-and-controls", "fraud-liability", "disputes-and-chargebacks", "privacy-notice",
                "consent-and-data-sharing", "data-retention", "fee-schedule", "complaints", "hardship-and-debt-help",
                "investment-advice-boundary", "marketing-preferences", "accessibility"}
    assert required <= ids


def test_fee_schedule_has_superseded_current_and_future_versions(corpus):
    versions = sorted((d.effective_date, d.version) for d in corpus if d.id == "fee-schedule")
    today = date(2026, 11, 28)
    assert len(versions) == 3
    assert versions[0][0] < versions[1][0] <= today < versions[2][0]


def test_card_aprs_and_savings_rates_match_the_demo_bank(corpus):
    cards = by_id(corpus, "credit-cards").body
    savings = by_id(corpus, "savings-accounts").body
    for persona in PERSONAS:
        for account in persona.accounts:
            if account.kind == "credit_card":
                assert f"{account.apr}%" in cards, (account.name, account.apr)
            if account.kind == "savings":
                assert f"{account.interest_rate}%" in savings, (account.name, account.interest_rate)
    assert "11.49% APR" in by_id(corpus, "personal-loan").body
    assert "8.25% APR" in by_id(corpus, "sme-term-loan").body


def test_consent_doc_explains_every_scope(corpus):
    body = by_id(corpus, "consent-and-data-sharing").body
    assert all(f"| {scope} |" in body for scope in SCOPES)


def test_regulatory_timelines_are_stated(corpus):
    disputes = by_id(corpus, "disputes-and-chargebacks").body
    assert "60 days" in disputes and "10 business days" in disputes and "45 days" in disputes
    liability = by_id(corpus, "fraud-liability").body
    assert "$0" in liability and "$50" in liability and "$500" in liability


def test_document_versions_are_unique(corpus):
    keys = Counter(doc.key for doc in corpus)
    assert max(keys.values()) == 1


@pytest.mark.parametrize("broken, message", [
    (GOOD_FRONT_MATTER.replace("version: \"1\"\n", ""), "misses version"),
    (GOOD_FRONT_MATTER.replace("type: faq", "type: blog"), "'type' is 'blog'"),
    (GOOD_FRONT_MATTER.replace("audience: customer", "audience: everyone"), "'audience'"),
    (GOOD_FRONT_MATTER.replace("effective_date: 2026-01-01", "effective_date: soon"), "'effective_date'"),
    (GOOD_FRONT_MATTER.replace("id: sample-doc", "id: Sample Doc"), "'id'"),
    (GOOD_FRONT_MATTER.replace("jurisdiction: US", "jurisdiction: usa"), "'jurisdiction'"),
    (GOOD_FRONT_MATTER.split("# Sample")[0], "no text"),
])
def test_malformed_front_matter_names_the_file_and_field(broken, message):
    with pytest.raises(CorpusError, match=re.escape(message)) as info:
        parse_document(broken, "faq/sample.md")
    assert "faq/sample.md" in str(info.value)


def test_duplicate_versions_are_rejected(tmp_path):
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(GOOD_FRONT_MATTER)
    with pytest.raises(CorpusError, match="sample-doc@1 is also defined"):
        load_corpus(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_shipped_corpus_lives_in_the_package():
    assert (DOCS_DIR / "fees" / "fee-schedule.md").is_file()


def test_eval_set_is_large_and_points_at_real_documents(corpus):
    from evals.retrieval.scorer import load_questions

    questions = load_questions()
    answerable = [q for q in questions if not q.unanswerable]
    assert len(answerable) >= 150 and len(questions) - len(answerable) >= 25
    ids = {doc.id for doc in corpus}
    assert all(set(q.docs) <= ids for q in answerable)
    assert {q.audience for q in questions} == {"customer", "agent"}


def test_the_banks_own_documents_pass_the_untrusted_text_scan_untouched(corpus):
    """Every KB chunk is scanned for injected instructions before a model reads it: a false alarm would cut a
    sentence of our own policy out of an answer."""
    from copilot.compliance import scan_untrusted

    cut = []
    for doc in corpus:
        for paragraph in filter(None, (p.strip() for p in re.split(r"\n\s*\n", doc.body))):
            if not paragraph.startswith("#") and scan_untrusted(paragraph).text != paragraph:
                cut.append(f"{doc.source}: {paragraph[:80]}")
    assert not cut, "paragraphs the injection scan would cut:\n" + "\n".join(cut)
