"""Output filters: PII masking, prohibited claims, advice boundary, disclosures, groundedness, citations, marketing, fairness."""

from __future__ import annotations

import pytest

from copilot.compliance import Evidence, filter_output

EVIDENCE = Evidence(tool_results=[{"balance": 2412.77, "apr": 0.2399, "minimum_payment": 75.0, "months": 19,
                                   "due_date": "2026-12-05", "card_last4": "4242"}],
                    customer_messages=["how long if I pay 600 a month?"], own_identifiers=["sam@example.com", "4242"],
                    citations=["fees-cards#late-fees"], rate_source="Card fee schedule (fees-cards#rates)",
                    rate_effective_date="2026-01-01")


def test_pii_is_masked_and_offsets_point_into_the_original():
    text = "Card 4111 1111 1111 1111, SSN 123-45-6789, IBAN GB82 WEST 1234 5698 7654 32, mail bob@other.org."
    decision = filter_output(text)
    assert decision.verdict == "rewrite" and decision.rule_ids == ["pii.mask"]
    for secret in ("4111 1111 1111 1111", "123-45-6789", "GB82 WEST 1234 5698 7654 32", "bob@other.org"):
        assert secret not in decision.text
    assert "**** 1111" in decision.text and "***-**-****" in decision.text and "[email removed]" in decision.text
    spans = {e["type"]: text[e["start"]:e["end"]] for e in decision.entities}
    assert spans == {"CREDIT_CARD": "4111 1111 1111 1111", "US_SSN": "123-45-6789",
                     "IBAN_CODE": "GB82 WEST 1234 5698 7654 32", "EMAIL_ADDRESS": "bob@other.org"}


def test_own_email_and_phone_stay_in_masked_form_others_are_removed():
    evidence = Evidence(own_identifiers=["sam@example.com", "+1 415 555 0132"], customer_messages=["update contact"])
    decision = filter_output("We'll write to sam@example.com and call 415-555-0132, not 212-555-0187.", evidence)
    assert "s***@example.com" in decision.text and "***-***-0132" in decision.text
    assert "[phone removed]" in decision.text and "0187" not in decision.text


def test_the_banks_own_routing_number_is_shown_other_routing_numbers_are_masked():
    ours = filter_output("Our routing number is 071926375 for direct deposits.")
    assert "071926375" in ours.text and "pii.mask" not in ours.rule_ids
    theirs = filter_output("Routing number 021000021 for direct deposits.")
    assert "021000021" not in theirs.text and theirs.rule_ids == ["pii.mask"]


def test_the_banks_published_phone_lines_are_shown_other_numbers_are_removed():
    answer = filter_output("Call 1-800-555-0199 at any time, or 1-800-555-0142 (from abroad +1-312-555-0142).")
    assert "1-800-555-0199" in answer.text and "+1-312-555-0142" in answer.text and "pii.mask" not in answer.rule_ids
    assert "555-0100" not in filter_output("Call my brother on 1-800-555-0100.").text


@pytest.mark.parametrize("text, rule", [
    ("This fund is guaranteed to return 8% a year.", "claims.guaranteed_returns"),
    ("It's a completely risk-free way to grow your savings.", "claims.risk_free"),
    ("You're definitely approved for the loan.", "claims.guaranteed_approval"),
    ("Apply today, this is your last chance!", "claims.pressure"),
])
def test_prohibited_claims_block_with_their_rule(text, rule):
    decision = filter_output(text)
    assert decision.verdict == "block" and rule in decision.rule_ids and decision.message


@pytest.mark.parametrize("text", ["No investment is risk-free.", "Approval isn't guaranteed; it depends on your credit.",
                                  "Freeze your card now to protect your account.", "We can't guarantee returns."])
def test_negated_or_protective_phrasing_is_not_a_claim(text):
    assert filter_output(text).verdict == "allow"


def test_advice_boundary_rewrites_and_points_to_an_adviser():
    decision = filter_output("You should buy Tesla shares with your bonus. Your card is frozen.")
    assert decision.verdict == "rewrite" and decision.rule_ids == ["advice.personalised_investment"]
    assert "Tesla" not in decision.text and "Your card is frozen." in decision.text
    assert "licensed financial adviser" in decision.text


def test_fairness_escalates():
    decision = filter_output("Because you are a woman, a smaller loan would suit you.")
    assert decision.verdict == "block" and decision.escalate and decision.route == "handoff"
    assert decision.rule_ids == ["fairness.protected_attribute"]
    assert filter_output("Since you're older, we suggest a shorter loan.").rule_ids == ["fairness.protected_attribute"]


def test_old_and_young_describing_a_thing_are_not_about_the_customer():
    for text in ("We never ask for your old password.", "Cut up your old card once the new one arrives."):
        assert filter_output(text).verdict == "allow", text


def test_grounded_figures_pass_and_untraceable_ones_block_with_the_rule():
    grounded = ("Your balance is $2,412.77 and the minimum payment of $75 is due on December 5, 2026. "
                "At 600 a month you'd clear it in about 19 months, an estimate at 23.99% APR as of 2026-01-01.")
    assert filter_output(grounded, EVIDENCE).verdict == "allow"
    decision = filter_output("Your balance is $3,100.", EVIDENCE)
    assert decision.verdict == "block" and decision.rule_ids == ["ground.untraceable_number"]
    assert "$3,100" in decision.rules[0].detail


def test_rounding_and_customer_words_count_as_grounding():
    assert filter_output("You owe about $2,400, paying 600 a month.", EVIDENCE).verdict == "allow"
    assert filter_output("You owe $2,413.", EVIDENCE).verdict == "allow"
    assert filter_output("You owe $2,500.", EVIDENCE).verdict == "block"


def test_without_evidence_groundedness_is_not_applicable():
    assert filter_output("Your balance is $3,100.").verdict == "allow"


def test_policy_statement_needs_a_citation():
    uncited = Evidence(customer_messages=["what is the late fee"])
    decision = filter_output("We charge a late fee when a payment is missed.", uncited)
    assert decision.verdict == "block" and decision.rule_ids == ["citation.required"]
    assert filter_output("We charge a late fee when a payment is missed [fees-cards#late-fees].", uncited).verdict \
        != "block"


def test_disclosures_are_appended():
    decision = filter_output("Your APR is 23.99%.", EVIDENCE)
    assert decision.verdict == "rewrite" and "disclosure.rates_source" in decision.rule_ids
    assert "as of 2026-01-01" in decision.text and "fees-cards#rates" in decision.text
    projection = filter_output("At 600 a month you would be debt-free in 19 months.", EVIDENCE)
    assert "disclosure.estimate" in projection.rule_ids and "estimate" in projection.text


OFFER = "Your balance is $2,412.77. You're pre-approved for our Platinum card."


@pytest.mark.parametrize("changes, rule", [
    ({}, "marketing.no_consent"),
    ({"marketing_consent": True, "flags": {"hardship"}}, "marketing.sensitive_conversation"),
    ({"marketing_consent": True, "recent_offers": 2}, "marketing.frequency_cap"),
])
def test_offers_are_removed_without_consent_in_sensitive_talks_and_over_the_cap(changes, rule):
    evidence = Evidence(**{**EVIDENCE.__dict__, **changes})
    decision = filter_output(OFFER, evidence)
    assert decision.verdict == "rewrite" and rule in decision.rule_ids
    assert "Platinum" not in decision.text and "$2,412.77" in decision.text


def test_offer_with_consent_under_the_cap_passes():
    evidence = Evidence(**{**EVIDENCE.__dict__, "marketing_consent": True, "recent_offers": 0})
    assert "Platinum" in filter_output(OFFER, evidence).text


def test_unknown_conversation_flag_is_an_error():
    with pytest.raises(ValueError, match="unknown conversation flag"):
        Evidence(flags={"angry"})


@pytest.mark.parametrize("text, kind, value", [
    ("Your card 2539 3432 3199 7982 was declined.", "CREDIT_CARD", "2539 3432 3199 7982"),   # Mastercard 2-series
    ("Diners 3056-930902-5904 on file", "CREDIT_CARD", "3056-930902-5904"),
    ("IBAN IL150120690000003111111 for the rent", "IBAN_CODE", "IL150120690000003111111"),
    ("Mobile: 0545710317", "PHONE_NUMBER", "0545710317"),
    ("routing 021000021 and account 954567876544", "ABA_ROUTING_NUMBER", "021000021"),
    ("My name is Sarah Connor.", "PERSON", "Sarah Connor"),
    ("Dear Mr. Thompson, your card ending 4242 is active.", "PERSON", "Thompson"),
    ("Please add Cameron Jones as an authorised user.", "PERSON", "Cameron Jones"),
    ("Ship the card to 4772 Moore Mountains Suite 889, Harristown, VT 66340", "STREET_ADDRESS",
     "4772 Moore Mountains Suite 889, Harristown, VT 66340"),
    ("My passport number is X12345678, please update it.", "ID_DOCUMENT", "X12345678"),
    ("driver's license: D1234567", "ID_DOCUMENT", "D1234567"),
    ("DOB 03/14/1985, account holder since 2010", "DATE_OF_BIRTH", "03/14/1985"),
    ("I was born on 12 March 1979.", "DATE_OF_BIRTH", "12 March 1979"),
    ("My NI number is AB123456C.", "UK_NINO", "AB123456C"),
    ("Refund to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT please", "CRYPTO", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ("I logged in from 192.168.10.4 yesterday", "IP_ADDRESS", "192.168.10.4"),
])
def test_public_pii_sample_styles_are_masked(text, kind, value):
    decision = filter_output(text)
    assert value not in decision.text
    assert any(e["type"] == kind and text[e["start"]:e["end"]] == value for e in decision.entities), decision.entities


@pytest.mark.parametrize("text", [
    "Dear Customer, your statement is ready.",
    "Hi Alex, you spent 120 at Whole Foods Market and 45 at Trader Joe's in March.",
    "In 2025 Apple Park hosted an event.",
    "Write to Northbridge Bank, Customer Care, P.O. Box 4410, Chicago, IL 60680.",
    "Your transfer to Bob Jones cleared on Monday.",
    "Your payment of $45.00 on 03/14/2026 is posted; your passport expired, so renew it before you travel.",
])
def test_names_and_addresses_need_a_cue_so_ordinary_answers_stay_intact(text):
    assert filter_output(text).text == text


def test_names_are_masked_in_answers_but_not_tokenized_in_customer_messages():
    from copilot.compliance import guard_input
    assert guard_input("My name is Sarah Connor, pay my rent").text == "My name is Sarah Connor, pay my rent"
    assert "Sarah Connor" not in filter_output("My name is Sarah Connor.").text
