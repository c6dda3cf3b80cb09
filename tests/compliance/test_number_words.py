"""Groundedness of numbers written in words (issue 15 §5): "ninety-eight thousand dollars" is a figure like $98,000,
read with the understanding model's number vocabulary (prompts/nlu/values.yaml), in answers and in evidence alike."""

from __future__ import annotations

import pytest

from copilot.compliance import Evidence, filter_output
from copilot.compliance.grounding import word_numbers

EVIDENCE = Evidence(tool_results=[{"balance": 98000.0, "payment": 1256.30, "apr": 0.2399}],
                    customer_messages=["how much do I have?"])


@pytest.mark.parametrize("text, value", [
    ("ninety-eight thousand dollars", 98000), ("two hundred and fifty", 250), ("$2.5 million", 2_500_000),
    ("a hundred dollars", 100), ("twenty percent", 20), ("5 grand", 5000),
    ("one thousand two hundred fifty-six dollars and thirty cents", 1256.30),
])
def test_number_words_are_read(text, value):
    assert [round(w.value, 2) for w in word_numbers(text)] == [value]


@pytest.mark.parametrize("text", ["a grand total of $45", "thousands of people", "a one-time code", "no one"])
def test_words_that_state_no_figure_are_not_read_as_one(text):
    assert all(w.value <= 1 for w in word_numbers(text))


def test_untraceable_number_words_block_and_grounded_ones_pass():
    blocked = filter_output("You have ninety-eight thousand dollars.",
                            Evidence(tool_results=[{"balance": 12000.0}], customer_messages=["how much?"]))
    assert blocked.blocked and blocked.rule_ids == ["ground.untraceable_number"]
    assert "ninety-eight thousand dollars" in blocked.rules[0].detail
    for text in ("You have ninety-eight thousand dollars.", "You have about ninety-seven thousand dollars.",
                 "You have 98 thousand dollars.", "Your payment is one thousand two hundred fifty-six dollars and "
                 "thirty cents.", "Your APR is roughly twenty-four percent."):
        assert filter_output(text, EVIDENCE).verdict != "block", text


def test_small_counts_and_examples_of_phrasing_need_no_source():
    for text in ("It takes three steps and twelve months.",
                 'How much do you want to save? For example "three thousand by June".'):
        assert filter_output(text, EVIDENCE).verdict != "block", text


def test_number_words_in_evidence_ground_digits():
    evidence = Evidence(customer_messages=["I can pay six hundred a month"])
    assert filter_output("Paying $600 a month works.", evidence).verdict == "allow"
