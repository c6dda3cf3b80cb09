"""PII written with other separators (issue 15 §1): cards in dotted groups, SSNs with dots, UK sort codes after a cue
never reach a model endpoint raw (the input guard's vault tokenization) nor a customer unmasked (the output filter);
dates, amounts, times and version numbers that look alike stay as they are."""

from __future__ import annotations

import pytest

from copilot.compliance import PiiVault, filter_output, guard_input
from copilot.compliance.vault import redact

CASES = [
    ("My card is 4111.1111.1111.1111, it was declined.", "4111.1111.1111.1111", "CREDIT_CARD", "**** 1111"),
    ("Card number: 5500.0000.0000.0004.", "5500.0000.0000.0004", "CREDIT_CARD", "**** 0004"),
    ("amex 3782.822463.10005 on file", "3782.822463.10005", "CREDIT_CARD", "**** 0005"),
    ("My SSN is 123.45.6789.", "123.45.6789", "US_SSN", "***-**-****"),
    ("social security 078.05.1120 for the form", "078.05.1120", "US_SSN", "***-**-****"),
    ("My sort code is 12-34-56 and the account is 31926819.", "12-34-56", "UK_SORT_CODE", "**-**-**"),
    ("sort code: 20 00 00, please", "20 00 00", "UK_SORT_CODE", "**-**-**"),
    ("Sort-code 402715 for the rent", "402715", "UK_SORT_CODE", "**-**-**"),
]


@pytest.mark.parametrize("text, secret, kind, shown", CASES)
def test_the_input_guard_tokenizes_them_before_any_model_sees_them(text, secret, kind, shown):
    vault = PiiVault()
    decision = guard_input(text, vault=vault)
    assert secret not in decision.text and "pii.tokenized" in decision.rule_ids
    assert any(e["type"] == kind and text[e["start"]:e["end"]] == secret for e in decision.entities)
    assert secret in vault.restore(decision.text, reveal=True)            # the customer's own view gets it back
    assert secret not in redact(decision.text)


@pytest.mark.parametrize("text, secret, kind, shown", CASES)
def test_the_output_filter_masks_them(text, secret, kind, shown):
    decision = filter_output(text)
    assert secret not in decision.text and shown in decision.text and "pii.mask" in decision.rule_ids
    assert any(e["type"] == kind for e in decision.entities)


@pytest.mark.parametrize("text", [
    "Your statement of 12-03-26 is ready.",                       # a date, no sort-code cue
    "You paid 1,234.56 on 12.03.2026 and 4,111.11 on 12.04.2026.",
    "Version 1.2.3 and 10.4.12 of the app are out; release 2024.11.1234 fixed it.",
    "We close at 14.45 and reopen at 09:30.",
    "Invoice 123.45 and 6789.00 were paid.",
    "Order 4111.111 shipped on 2026-03-12.",
    "The code 12-34-56 on the receipt is the till number.",
])
def test_dates_amounts_times_and_versions_stay_untouched(text):
    assert filter_output(text).text == text
    assert guard_input(text, vault=PiiVault()).text == text
