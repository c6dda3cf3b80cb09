"""StreamingFilter releases only passed sentence pieces and never takes one back; PiiVault placeholders round-trip."""

from __future__ import annotations

from copilot.compliance import Evidence, PiiVault, StreamingFilter, filter_output

EVIDENCE = Evidence(tool_results=[{"balance": 2412.77, "months": 19}], customer_messages=["if I pay 600 a month"])


def stream(text: str, evidence: Evidence | None = EVIDENCE, size: int = 7) -> tuple[list[str], StreamingFilter]:
    filt = StreamingFilter(evidence)
    released = []
    for i in range(0, len(text), size):
        released += filt.feed(text[i:i + size])
    released += filt.close()
    return released, filt


def test_sentences_are_released_only_once_complete_and_passed():
    filt = StreamingFilter(EVIDENCE)
    assert filt.feed("Your balance is $2,41") == []                  # incomplete: held back
    assert filt.feed("2.77. Paying 600") == ["Your balance is $2,412.77. "]
    rest = filt.close()
    assert "".join(rest).startswith("Paying 600")
    assert filt.decision.text == "Your balance is $2,412.77. " + "".join(rest)


def test_a_failing_sentence_stops_the_stream_without_taking_anything_back():
    text = "Your balance is $2,412.77. This fund is guaranteed to double your money. Buy it now."
    released, filt = stream(text)
    assert released[0] == "Your balance is $2,412.77. "
    assert "guaranteed" not in "".join(released) and "Buy it now" not in "".join(released)
    assert filt.stopped and filt.decision.verdict == "block"
    assert "claims.guaranteed_returns" in filt.decision.rule_ids
    assert released[-1] == filt.decision.message                      # a calm closing line, not a retraction
    assert filt.decision.text == "".join(released)


def test_card_numbers_split_across_deltas_never_leak():
    released, _ = stream("Your card 4111 1111 1111 1111 is frozen. Nothing else changed.", None, size=3)
    assert "4111 1111 1111 1111" not in "".join(released) and "**** 1111" in "".join(released)


def test_streaming_and_whole_answer_filters_agree():
    text = ("Your balance is $2,412.77. At 600 a month you would be debt-free in 19 months. "
            "You should buy index funds with the rest.")
    released, filt = stream(text)
    whole = filter_output(text, EVIDENCE)
    assert filt.decision.verdict == whole.verdict == "rewrite"
    assert set(filt.decision.rule_ids) == set(whole.rule_ids)
    assert "estimate" in "".join(released) and "index funds" not in "".join(released)


def test_long_unpunctuated_text_is_released_in_bounded_pieces():
    filt = StreamingFilter(None)
    pieces = filt.feed("word " * 300)
    assert pieces and all(len(p) <= 600 for p in pieces)


def test_vault_placeholders_are_stable_and_restore_masked_by_default():
    vault = PiiVault()
    first, entities = vault.tokenize("card 4111 1111 1111 1111 and ssn 123-45-6789")
    second, _ = vault.tokenize("again 4111-1111-1111-1111")
    assert first == "card [CARD_1] and ssn [SSN_1]" and second == "again [CARD_1]"
    assert [e["type"] for e in entities] == ["CREDIT_CARD", "US_SSN"] and len(vault) == 2
    answer = "I froze [CARD_1]."
    assert vault.restore(answer) == "I froze **** 1111."
    assert vault.restore(answer, reveal=True) == "I froze 4111 1111 1111 1111."
    assert vault.restore("unknown [CARD_9] stays") == "unknown [CARD_9] stays"


def test_several_sentences_in_one_delta_are_judged_one_by_one():
    filt = StreamingFilter(EVIDENCE)
    released = filt.feed("Your card is frozen. You should buy Tesla shares. Your balance is $2,412.77. ") + filt.close()
    text = "".join(released)
    assert "Your card is frozen." in text and "$2,412.77" in text and "Tesla" not in text
