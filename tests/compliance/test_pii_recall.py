"""Output-filter PII recall (issue 13 §3): card numbers after a card cue whatever their checksum, international and
extension phone formats through libphonenumber, and the leak / clean-altered figures on the development and the
held-out sets (the held-out one reported as totals only)."""

from __future__ import annotations

import re

import pytest

from copilot.compliance import filter_output
from tests.compliance.pii_leaks import report


@pytest.mark.parametrize("text, secret", [
    ("My card number is 123456789012 and it was declined.", "123456789012"),
    ("card: 9401 2233 4455 6677 889", "9401 2233 4455 6677 889"),
    ("The visa 4929 1234 5678 9011 was swallowed by the ATM.", "4929 1234 5678 9011"),
    ("You can reach me on +44 7700 921 916 after six.", "+44 7700 921 916"),
    ("My number is 345-899-3560x4587, extension included.", "345-899-3560x4587"),
    ("phone: (37) 788-063", "(37) 788-063"),
    ("my mobile is 71-33-52-22 if the line drops", "71-33-52-22"),
    ("Call him on 555.201.3344 ext. 19 tomorrow.", "555.201.3344 ext. 19"),
    ("Contact number 0044 20 7946 0321 for the landlord.", "0044 20 7946 0321"),
])
def test_cards_after_a_cue_and_phones_of_any_format_are_masked(text, secret):
    decision = filter_output(text)
    assert "pii.mask" in decision.rule_ids and secret not in decision.text
    digits = re.sub(r"\D", "", secret)
    assert digits[:6] not in re.sub(r"\D", "", decision.text), decision.text


@pytest.mark.parametrize("text", [
    "Your balance is 12,345.67 and order 1234567890123 shipped.", "Reference 2026-11-28 and 4,500.00 on 11/28/2026",
    "The card ending 4821 was charged 1,204.55.", "Transaction ID 8839201 was refunded.", "Call us on 1-800-555-0199.",
])
def test_amounts_dates_references_and_the_banks_lines_stay(text):
    assert filter_output(text).text == text


def test_development_figures():
    figures = report(heldout=False)
    assert figures["leak_rate"] < 0.01, figures["leaked_by_type"]
    assert figures["altered_rate"] <= 0.02 and figures["clean_sentences"] > 3000


def test_heldout_figures_totals_only():
    figures = report(heldout=True)
    assert figures["values"] == 450 and "rows" not in figures
    assert figures["leak_rate"] < 0.01, f"{figures['leaked']} of {figures['values']} values left in the output"
    assert figures["altered_rate"] <= 0.02, f"{figures['altered']} of {figures['clean_sentences']} clean sentences"
