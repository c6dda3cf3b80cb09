"""PII detection: Presidio's analyzer on a blank spaCy pipeline (no model download), extended for banking.

Why Presidio: its pattern recognizers are maintained, checksum-validated (Luhn for cards, mod-97 for IBANs, ABA
for routing numbers) and context-aware. We add: card-shaped numbers that fail Luhn (still never shown in full), in
groups split by spaces, dashes or dots, SSNs in every separator style (dashes, dots, spaces; one separator throughout),
UK sort codes after a "sort code" cue (a bare 12-34-56 is a date as often as not) (Presidio drops well-known sample SSNs; we never print any), account numbers
after an "account" cue, IBAN-shaped strings, 12-19 digits after a card cue whatever their checksum, phone numbers
of any country through libphonenumber (phones.py), and an offline tldextract so email checks never touch the network.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (AbaRoutingRecognizer, CreditCardRecognizer, CryptoRecognizer,
                                                      EmailRecognizer, IbanRecognizer, IpRecognizer, UkNinoRecognizer,
                                                      UsItinRecognizer)
from spacy.language import Language

from copilot.compliance.phones import PhoneNumbersRecognizer
from copilot.offline import go_offline

# Highest first: between overlapping spans of equal length, the more harmful to leak wins.
PRIORITY = ("CREDIT_CARD", "IBAN_CODE", "ABA_ROUTING_NUMBER", "US_SSN", "US_BANK_NUMBER", "UK_SORT_CODE",
            "CARD_SECURITY_CODE", "US_ITIN", "ID_DOCUMENT", "DATE_OF_BIRTH", "UK_NINO", "CRYPTO", "IP_ADDRESS", "EMAIL_ADDRESS",
            "PHONE_NUMBER", "STREET_ADDRESS", "PERSON")
IDENTIFIERS = PRIORITY[:-2]                         # always detected; names and addresses when asked (names=True)
NAME_CUE = (r"(?<=(?:\b(?:my name is|my name's|name\s*:|customer|client|account holder|cardholder|"
            r"card holder|beneficiary|payee|recipient|patient|signed|regards,?|sincerely,?|dear|spoke to|spoke with|"
            r"talked to|talking to|speak to|speak with|married to|my (?:husband|wife|partner|son|daughter|mother|father|"
            r"landlord),?)(?:\s+(?:is|was|will be))?|(?-i:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?))\s*[:,-]?\s{1,3})")
NAME = r"(?-i:(?!(?:Customer|Client|Sir|Madam|Team|Valued|Member|User|Support|The|Our|Your|All|Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Care|Service|Services|Advocate|Relations|Success|Experience|Desk|Centre|Center|Portal|Number|Id|Account|Name)\b)[A-Z][a-z]+(?:[ -](?:[A-Z]\.|[A-Z][a-z]+|(?:van|de|del|von|da|di|le|la) [A-Z][a-z]+)){0,2})"
# A full name as people and generators write it: "Aaron McNaboe", "Sean O'Neil", "Amber Ramos MD", "Tom Hale Jr.".
NAME_WORD = r"(?:[A-Z][a-z]+(?:[A-Z][a-z]+)?|[A-Z]'[A-Z][a-z]+)"
FULL_NAME = NAME_WORD + r"(?: " + NAME_WORD + r"){1,2}(?: (?:Jr|Sr|II|III|IV|MD|PhD|DDS|DVM)\.?)?"
STREET_TYPES = ("Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Parkway|Pkwy|"
                "Circle|Cir|Highway|Hwy|Square|Sq|Close|Crescent|Row|Mews|Gardens|Trail|Alley|Plaza|Loop|Mountain|Shoal|"
                "Fork|Track|Common|Hollow|Plain|Freeway|Expressway|Mill|Mission|Field|Ferry|Stream|Mount|View|Walk|Extension|"
                "Fall|Island|Village|Crossroad|Crossing|Tunnel|Meadow|Ridge|Hill|Valley|Spring|Summit|"
                "Harbor|Harbour|Heights|Junction|Knoll|Lake|Landing|Lodge|Manor|Orchard|Pike|Pine|"
                "Prairie|Ranch|Rapid|River|Route|Shore|Skyway|Stravenue|Throughway|Trace|Trafficway|Turnpike|"
                "Underpass|Via|Vista|Bypass|Causeway|Cliff|Corner|Cove|Creek|Crest|Dale|"
                "Divide|Flat|Ford|Forest|Garden|Gateway|Glen|Grove|Haven|Inlet|Isle|Oval|Overpass|"
                "Path|Radial|Ramp|Brook|Burg|Bluff|Bridge|Canyon|Cape|Curve|Drive|Motorway|Loaf|"
                "Neck|Parkways|Ways")
# Street types that are everyday words too ("In 2025 Apple Park"): never after a year-like number.
STREET_WORD_TYPES = ("Branch|Camp|Center|Centre|Club|Course|Dam|Estate|Forge|Fort|Green|Key|Land|Light|Lock|Mall|Park|"
                     "Pass|Passage|Point|Port|Rest|Rue|Run|Spur|Station|Union|Viaduct|Ville|Wall|Well")
# US military mail: "USNS Thompson, FPO AE 09588", "PSC 4115, Box 7815, APO AA 41329", "Unit 9930 Box 9552, DPO AP 69286".
MILITARY = (r"(?-i:\b(?:(?:USNS|USNV|USS|USCGC) [A-Z][a-z]+|PSC \d{4},? Box \d{4}|Unit \d{4},? Box \d{4}),?\s+"
            r"[FAD]PO A[AEP] \d{5}\b)")
# A number right after "14." or "12:" is the minutes of a time or the decimals of an amount, not a house number.
NOT_AFTER_FIGURE = r"(?<!\d[.:])"
STREET = (r"(?-i:\b" + NOT_AFTER_FIGURE + r"(?:\d{1,5}[A-Za-z]?,? (?:[A-Z][a-z]+\.? ){1,3}(?:" + STREET_TYPES + r")|(?!(?:19|20)\d\d\b)\d{1,5}"
          r"[A-Za-z]?,? (?:[A-Z][a-z]+\.? ){1,3}(?:" + STREET_WORD_TYPES + r"))s?\b\.?"
          r"(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|#)\.? ?#?[\w-]+)?"
          r"(?:, [A-Z][a-z]+(?: [A-Z][a-z]+){0,2})?(?:,? [A-Z]{2},? \d{5}(?:-\d{4})?)?)")
STREET_TYPED_LOWER = (r"\b" + NOT_AFTER_FIGURE + r"\d{1,5}[a-z]?,? (?:[a-z]+ ){1,3}(?:street|st|avenue|ave|road|rd|lane|boulevard|blvd|drive|court|"
                      r"place|terrace|parkway|highway|crescent|close)\b\.?(?:,? (?:apt|apartment|suite|unit|flat)\.? ?#?[\w-]+)?")
UK_POSTCODE = r"(?-i:\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b)"
CARD_CUE = (r"(?<=\b(?:card|visa|mastercard|master card|amex|american express|discover|maestro|diners|jcb|unionpay|"
            r"pan|cc)(?:\s*(?:number|no\.?|num|#|nr))?\s*(?:is|was|:|#|=|-)?\s{0,3})")
ID_CUE = (r"(?<=\b(?:passport|driver'?s licen[cs]e|drivers licen[cs]e|driving licen[cs]e|national id(?:entity)?"
          r"(?: card)?|identity card|id card)(?:\s*(?:number|no\.?|num|#|nr))?\s*(?:is|was|:|#|=)?\s{0,3})")
MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = (r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:\d{1,2}(?:st|nd|rd|th)?(?: of)? )?" + MONTHS +
        r"(?: \d{1,2}(?:st|nd|rd|th)?)?,? \d{4})")
DOB_CUE = r"(?<=\b(?:date of birth|birth date|birthdate|dob|d\.o\.b\.?|born(?: on)?|birthday)\s*(?:is|was|:|-)?\s{0,3})"
# "sort code 12-34-56", "sort code and account number: 12-34-56 12345678", "sort-code: 123456"
SORT_CODE_CUE = (r"(?<=\b(?:sort[- ]?code|s/c)(?:s)?(?:\s+(?:and|&)\s+(?:account|acct|a/c)(?:\s*(?:number|no\.?|num|#))?)?"
                 r"\s*(?:is|was|:|#|=|-)?\s{0,3})")
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


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with tldextract's bundled suffix list (never fetches one)."""

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


class LuhnRunRecognizer(PatternRecognizer):
    """Any 13-19 digit run (spaces or dashes allowed) that passes Luhn is a card number, whatever its issuer prefix
    or context: Presidio's recognizer misses some ranges (Mastercard 2-series), and a full card must never leak."""

    def __init__(self) -> None:
        super().__init__("CREDIT_CARD", name="LuhnRunRecognizer", patterns=[
            Pattern("luhn digit run", r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", 0.5)])

    def validate_result(self, pattern_text: str) -> bool:
        digits = [int(c) for c in pattern_text if c.isdigit()]
        if len(set(digits)) == 1:
            return False
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
        return total % 10 == 0


def _bank_recognizers() -> list[PatternRecognizer]:
    card_words = ["card", "visa", "mastercard", "amex", "debit", "credit", "number", "pan"]
    return [
        PatternRecognizer("CREDIT_CARD", name="CardShapeRecognizer", context=card_words, patterns=[
            Pattern("grouped 4x4", r"(?<![\d.])\d{4}([ .-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?(?!\.?\d)", 0.6),
            Pattern("amex 4-6-5", r"(?<![\d.])3[47]\d{2}([ .-])\d{6}\1\d{5}(?!\.?\d)", 0.6),
            Pattern("digit run", r"\b\d{13,19}\b", 0.1),
            Pattern("12-19 digits after a card cue, Luhn or not", CARD_CUE + r"\d(?:[ .-]?\d){11,18}(?![\d-]|\.\d)", 0.65)]),
        PatternRecognizer("US_SSN", name="SsnRecognizer", context=["ssn", "social", "security"],
                          patterns=[Pattern("ssn dashed", r"\b\d{3}-\d{2}-\d{4}\b", 0.6),
                                    Pattern("ssn dotted", r"(?<![\d.])\d{3}\.\d{2}\.\d{4}(?!\.?\d)", 0.6),
                                    Pattern("ssn spaced", r"\b\d{3} \d{2} \d{4}\b", 0.35),
                                    Pattern("ssn bare", r"\b\d{9}\b", 0.05)]),
        PatternRecognizer("US_BANK_NUMBER", name="AccountNumberRecognizer",
                          context=["account", "acct", "checking", "savings", "bank"],
                          patterns=[Pattern("after account cue", ACCOUNT_CUE + r"\d(?:[ -]?\d){5,16}\b", 0.6),
                                    Pattern("long number", r"\b\d{8,17}\b", 0.05)]),
        PatternRecognizer("UK_SORT_CODE", name="SortCodeCueRecognizer", patterns=[
            Pattern("after a sort code cue", SORT_CODE_CUE + r"\d{2}([ .-]?)\d{2}\1\d{2}(?![\d-]|\.\d)", 0.65)]),
        PatternRecognizer("CARD_SECURITY_CODE", name="CvvRecognizer", patterns=[
            Pattern("after cvv cue", r"(?<=\b(?:cvv2?|cvc2?|csc|security code)\s{0,3}[:#=]?\s{0,3})\d{3,4}\b", 0.8)]),
        PatternRecognizer("PERSON", name="NameCueRecognizer", patterns=[
            Pattern("after a name cue", NAME_CUE + NAME + r"\b", 0.6),
            Pattern("before a personal attribute", r"(?-i:\b[A-Z][a-z]+ [A-Z][a-z]+)(?= (?:lives|resides|was born|"
                    r"(?:'s|’s) (?:address|phone|email|ssn|social|account|card|passport|date of birth|salary)))", 0.6),
            Pattern("an added card user", r"(?-i:\b" + FULL_NAME + r")(?= as (?:an? )?(?:authori[sz]ed|"
                    r"additional|joint|secondary) (?:user|holder|cardholder|card holder|signatory|account holder))", 0.6)]),
        PatternRecognizer("STREET_ADDRESS", name="StreetAddressRecognizer", patterns=[
            Pattern("number street type", STREET, 0.6), Pattern("typed in lower case", STREET_TYPED_LOWER, 0.5),
            Pattern("military mail", MILITARY, 0.6),
            Pattern("uk postcode", UK_POSTCODE, 0.5)]),
        PatternRecognizer("ID_DOCUMENT", name="IdDocumentCueRecognizer", patterns=[
            Pattern("after a passport / licence / id cue", ID_CUE + r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,16}\b", 0.6)]),
        PatternRecognizer("DATE_OF_BIRTH", name="DateOfBirthCueRecognizer", patterns=[
            Pattern("after a birth cue", DOB_CUE + DATE + r"\b", 0.6)]),
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
                       PhoneNumbersRecognizer(), LuhnRunRecognizer(), UsItinRecognizer(),
                       UkNinoRecognizer(), CryptoRecognizer(), IpRecognizer(), *_bank_recognizers()):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def detect_pii(text: str, min_score: float = 0.4, *, names: bool = False, public: frozenset[str] = frozenset()
               ) -> list[dict]:
    """Non-overlapping PII spans {"type","start","end","score"} in text order; of overlapping spans the longer
    wins (an IBAN holds card-like digit groups), then the higher priority. `names`: also person names (after a cue
    such as "my name is", "Mr.", "Dear", "payee") and street addresses; the output filter and the input guard's
    tokenization (what an LLM provider may see) ask for them. `public`: the bank's own published numbers
    (its routing number), which are nobody's personal data."""
    entities = list(PRIORITY if names else IDENTIFIERS)
    if not any(ch.isdigit() or ch == "@" for ch in text) and not (names and any(ch.isupper() for ch in text[1:])):
        return []
    results = [r for r in analyzer().analyze(text, language="en", entities=entities) if r.score >= min_score
               and re.sub(r"\D", "", text[r.start:r.end]) not in public]
    results.sort(key=lambda r: (-(r.end - r.start), PRIORITY.index(r.entity_type), -r.score))
    chosen: list[dict] = []
    for r in results:
        if all(r.end <= c["start"] or r.start >= c["end"] for c in chosen):
            chosen.append({"type": r.entity_type, "start": r.start, "end": r.end, "score": round(r.score, 2)})
    return sorted(chosen, key=lambda e: e["start"])
