"""PII detection: Presidio's analyzer on a blank spaCy pipeline (no model download), extended for banking.

Why Presidio: its pattern recognizers are maintained, checksum-validated (Luhn for cards, mod-97 for IBANs, ABA
for routing numbers) and context-aware. We add: card-shaped numbers that fail Luhn (still never shown in full),
SSNs in every separator style (Presidio drops well-known sample SSNs; we never print any), account numbers
after an "account" cue, IBAN-shaped strings, and an offline tldextract so email checks never touch the network.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (AbaRoutingRecognizer, CreditCardRecognizer, EmailRecognizer,
                                                      IbanRecognizer, PhoneRecognizer)
from spacy.language import Language

from copilot.offline import go_offline

# Highest first: between overlapping spans of equal length, the more harmful to leak wins.
PRIORITY = ("CREDIT_CARD", "IBAN_CODE", "ABA_ROUTING_NUMBER", "US_SSN", "US_BANK_NUMBER", "CARD_SECURITY_CODE",
            "EMAIL_ADDRESS", "PHONE_NUMBER")
PHONE_REGIONS = ("US", "GB", "CA", "IE", "AU", "IN")
PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(|00)?\d[\d\s().\-/]{5,20}\d(?!\w)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
AMOUNT = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+\.\d{1,2}")                 # 12,345.67 or 12345678.90
DIGIT = re.compile(r"\d")
ACCOUNT_CUE = (r"(?<=\b(?:account|acct|acc|a/c|checking|savings|current account|bank account)"
               r"(?:\s*(?:number|no\.?|num|#|nr))?\s*(?:is|was|:|#|=)?\s{0,3})")


@Language.component("copilot_lemma_as_lower")
def _lemma_as_lower(doc):
    """Presidio's context words compare lemmas; a blank pipeline has none, so the lower-cased form stands in."""
    for token in doc:
        token.lemma_ = token.lower_
    return doc


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on `spacy.blank('en')`: tokens only, nothing to download."""

    def load(self) -> None:
        nlp = spacy.blank("en")
        nlp.add_pipe("copilot_lemma_as_lower")
        self.nlp = {"en": nlp}


class CandidatePhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer (python-phonenumbers) run only on phone-shaped runs, not on the whole text.

    libphonenumber's matcher costs ~1 ms per region per call; answers are full of amounts and dates, so
    scanning only the candidate runs keeps the output filter fast.
    """

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list:
        results = []
        for candidate in PHONE_CANDIDATE.finditer(text):
            value = candidate.group(0)
            if len(DIGIT.findall(value)) < 7 or ISO_DATE.fullmatch(value) or AMOUNT.fullmatch(value):
                continue
            for result in super().analyze(candidate.group(0), entities, nlp_artifacts):
                result.start += candidate.start()
                result.end += candidate.start()
                results.append(result)
        return results


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with tldextract's bundled suffix list (never fetches one)."""

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


def _bank_recognizers() -> list[PatternRecognizer]:
    card_words = ["card", "visa", "mastercard", "amex", "debit", "credit", "number", "pan"]
    return [
        PatternRecognizer("CREDIT_CARD", name="CardShapeRecognizer", context=card_words, patterns=[
            Pattern("grouped 4x4", r"\b\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?\b", 0.6),
            Pattern("amex 4-6-5", r"\b3[47]\d{2}[ -]\d{6}[ -]\d{5}\b", 0.6),
            Pattern("digit run", r"\b\d{13,19}\b", 0.1)]),
        PatternRecognizer("US_SSN", name="SsnRecognizer", context=["ssn", "social", "security"],
                          patterns=[Pattern("ssn dashed", r"\b\d{3}-\d{2}-\d{4}\b", 0.6),
                                    Pattern("ssn spaced", r"\b\d{3} \d{2} \d{4}\b", 0.35),
                                    Pattern("ssn bare", r"\b\d{9}\b", 0.05)]),
        PatternRecognizer("US_BANK_NUMBER", name="AccountNumberRecognizer",
                          context=["account", "acct", "checking", "savings", "bank"],
                          patterns=[Pattern("after account cue", ACCOUNT_CUE + r"\d(?:[ -]?\d){5,16}\b", 0.6),
                                    Pattern("long number", r"\b\d{8,17}\b", 0.05)]),
        PatternRecognizer("PHONE_NUMBER", name="NanpShapeRecognizer",
                          context=["phone", "call", "tel", "mobile", "cell", "text", "number", "contact"],
                          patterns=[Pattern("(555) 123-4567", r"(?<![\w.])\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b", 0.4)]),
        PatternRecognizer("CARD_SECURITY_CODE", name="CvvRecognizer", patterns=[
            Pattern("after cvv cue", r"(?<=\b(?:cvv2?|cvc2?|csc|security code)\s{0,3}[:#=]?\s{0,3})\d{3,4}\b", 0.8)]),
        PatternRecognizer("IBAN_CODE", name="IbanShapeRecognizer", context=["iban"], patterns=[
            Pattern("iban shape", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", 0.45)]),
    ]


@lru_cache(maxsize=1)
def analyzer() -> AnalyzerEngine:
    go_offline()
    engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (CreditCardRecognizer(), IbanRecognizer(), OfflineEmailRecognizer(), AbaRoutingRecognizer(),
                       CandidatePhoneRecognizer(supported_regions=PHONE_REGIONS), *_bank_recognizers()):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def detect_pii(text: str, min_score: float = 0.4) -> list[dict]:
    """Non-overlapping PII spans {"type","start","end","score"} in text order; of overlapping spans the longer
    wins (an IBAN holds card-like digit groups), then the higher priority."""
    if not any(ch.isdigit() or ch == "@" for ch in text):
        return []
    results = [r for r in analyzer().analyze(text, language="en", entities=list(PRIORITY)) if r.score >= min_score]
    results.sort(key=lambda r: (-(r.end - r.start), PRIORITY.index(r.entity_type), -r.score))
    chosen: list[dict] = []
    for r in results:
        if all(r.end <= c["start"] or r.start >= c["end"] for c in chosen):
            chosen.append({"type": r.entity_type, "start": r.start, "end": r.end, "score": round(r.score, 2)})
    return sorted(chosen, key=lambda e: e["start"])
