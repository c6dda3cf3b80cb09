"""Phone numbers by libphonenumber (python-phonenumbers), not a pattern per format: any country's numbering plan,
international prefixes and extensions ("x4587", "ext. 12"), looked at only in phone-shaped runs of a text.

A run is a phone number when it is international ("+44 7700 921 916", "0044 ...") and possible for its country;
when a phone cue ("call me on", "mobile:") precedes it and it is a possible number somewhere; or, without a cue,
when libphonenumber's matcher finds a valid number of one of our main regions in it, or a North American number
written in groups ("415-555-0134").
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, NumberParseException
from presidio_analyzer import EntityRecognizer, RecognizerResult

REGIONS = ("US", "GB", "CA", "IE", "AU", "IN")          # where a number without +country code is read from
EXTENSION = r"(?:\s?(?:x|ext\.?|extension|#)\s?\d{1,6})"
CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(|00)?\d[\d\s().\-/]{4,20}\d(?:" + EXTENSION + r")?(?!\w)", re.I)
EXTENSION_TAIL = re.compile(EXTENSION + r"$", re.I)
CUE = re.compile(r"\b(?:phone|mobile|cell|cellphone|tel|telephone|whatsapp|fax|call (?:me|us|him|her|them) (?:at|on)|"
                 r"text (?:me|him|her|them) (?:at|on)|reach (?:me|him|her|them|us) (?:at|on)|contact number|"
                 r"landline|number to call)(?:\s*(?:number|no\.?|#))?\s*(?:is|:|at|on|-)?\s{0,3}$", re.I)
NOT_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,3}(,\d{3})+(\.\d+)?|\d+\.\d{1,2}")
# A version or build number ("release 2024.11.1234", "v10.4.12") is never a phone number, whatever its digits.
VERSION_CUE = re.compile(r"\b(?:v|ver|version|release|build|firmware|patch|app|ios|android|update)\.?\s*:?\s{0,2}$", re.I)
NANP_GROUPS = re.compile(r"(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}")
DIGIT = re.compile(r"\d")


@lru_cache(maxsize=4096)
def possible_somewhere(number: str) -> bool:
    """Whether any numbering plan libphonenumber knows has a number like this (after a cue, the plan is unknown)."""
    for region in phonenumbers.SUPPORTED_REGIONS:
        try:
            if phonenumbers.is_possible_number(phonenumbers.parse(number, region)):
                return True
        except NumberParseException:
            continue
    return False


def _international(number: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse("+" + number[2:] if number.startswith("00")
                                                                  else number, None))
    except NumberParseException:
        return False


def _valid_in_a_region(number: str) -> bool:
    """libphonenumber's matcher (valid numbers, written as people write them) finds one spanning the run."""
    return any(m.end - m.start >= len(number) - 2 for region in REGIONS
               for m in phonenumbers.PhoneNumberMatcher(number, region, leniency=Leniency.VALID))


def phone_score(text: str, start: int, number: str) -> float:
    """How sure we are that `number` (at `start` in `text`) is a phone number; 0 when it is not one."""
    base = EXTENSION_TAIL.sub("", number)
    digits = len(DIGIT.findall(base))
    cue = bool(CUE.search(text[max(0, start - 40):start]))
    if not cue and VERSION_CUE.search(text[max(0, start - 20):start]):
        return 0.0
    if not 6 <= digits <= 15 or (NOT_PHONE.fullmatch(base.strip("()")) and not cue):
        return 0.0
    if base.startswith(("+", "00")):
        return 0.7 if _international(base) else 0.0
    if cue:
        return 0.65 if possible_somewhere(base) else 0.0
    if digits >= 7 and _valid_in_a_region(base):
        return 0.5
    return 0.45 if NANP_GROUPS.fullmatch(base) else 0.0


class PhoneNumbersRecognizer(EntityRecognizer):
    """PHONE_NUMBER spans from phone-shaped runs, judged by libphonenumber (phone_score)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE_NUMBER"], name="PhoneNumbersRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for candidate in CANDIDATE.finditer(text):
            number = candidate.group(0).rstrip(" -/.(")
            score = phone_score(text, candidate.start(), number)
            if score:
                results.append(RecognizerResult("PHONE_NUMBER", candidate.start(), candidate.start() + len(number),
                                                score))
        return results
