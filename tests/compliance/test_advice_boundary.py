"""Investment-advice boundary on every released sentence (issue 15 §2): directives to buy, sell or move money into a
security or asset class, recommendations of a specific security and certainty claims about future returns never
reach the customer; benign banking sentences about savings, funds, shares of a bill or one's own accounts pass
untouched. The labelled set is tests/compliance/advice_sentences.yaml; `python -m tests.compliance.test_advice_boundary`
prints its figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from copilot.compliance import Evidence, StreamingFilter, filter_output

SET = yaml.safe_load((Path(__file__).parent / "advice_sentences.yaml").read_text(encoding="utf-8"))
ADVICE_RULES = ("advice.personalised_investment", "claims.guaranteed_returns")


def released(text: str, evidence: Evidence | None = None) -> tuple[bool, str]:
    """(whether the sentence reached the customer as written, what was shown)."""
    decision = filter_output(text, evidence)
    shown = decision.message if decision.blocked else decision.text
    return text in shown, shown


def figures() -> dict:
    advice, benign = SET["advice"], SET["benign"]
    leaked = [t for t in advice if released(t)[0]]
    altered = [t for t in benign if not released(t)[0]]
    return {"advice": len(advice), "advice_stopped_rate": round(1 - len(leaked) / len(advice), 3), "leaked": leaked,
            "benign": len(benign), "benign_altered_rate": round(len(altered) / len(benign), 3), "altered": altered}


def test_the_labelled_set_is_large_enough():
    assert len(SET["advice"]) >= 30 and len(SET["benign"]) >= 30


def test_every_advice_sentence_is_stopped_and_every_benign_one_released():
    found = figures()
    assert found["leaked"] == [], found
    assert found["altered"] == [], found


@pytest.mark.parametrize("text", [
    "Sell your bonds and put everything into growth ETFs.",
    "Buying Tesla shares with your savings is a smart move for you.",
    "This fund will definitely double.",
])
def test_issue_15_sentences_are_never_released(text):
    assert not released(text)[0]
    assert not released(f"Your balance is $1,200. {text}", Evidence(tool_results=[{"balance": 1200}]))[0]


def test_a_directive_is_rewritten_to_the_adviser_note_and_a_certainty_claim_blocks():
    directive = filter_output("Your card is frozen. Sell your bonds and put everything into growth ETFs.")
    assert directive.verdict == "rewrite" and "advice.personalised_investment" in directive.rule_ids
    assert "Your card is frozen." in directive.text and "licensed financial adviser" in directive.text
    certainty = filter_output("This fund will definitely double.")
    assert certainty.verdict == "block" and "claims.guaranteed_returns" in certainty.rule_ids


def test_every_streamed_sentence_is_judged_too():
    stream = StreamingFilter(None)
    out = stream.feed("Your card is frozen. Buying Tesla shares with your savings is a smart move for you. ")
    out += stream.close()
    assert "Tesla" not in "".join(out) and "Your card is frozen." in "".join(out)


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
