"""Groundedness: every amount, rate and date in an answer must trace to a tool result, a cited chunk or the customer's words.

Numbers match within the rounding the answer shows ("$1,235" traces to 1234.56; "19.99%" to 0.1999), 5% when
hedged ("about $1,200"). Small bare counts (up to 12: "3 steps", "12 months") need no source.
Numbers written in words ("ninety-eight thousand dollars", "two hundred and fifty", "1.2 million") are figures like any
other, on both sides: read with the understanding model's number vocabulary (prompts/nlu/values.yaml), rounded to
their smallest word ("ninety-eight thousand" is 98k, so it traces to 98,200 as "98k" would).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from copilot.compliance.types import Evidence
from copilot.nlu.values import vocabulary

MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
DATE = re.compile(
    r"\b(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))\b"
    r"|\b(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{2,4})\b"
    rf"|\b(?P<m1>{MONTH})\.? (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y1>\d{{4}}))?\b"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m2>{MONTH})\.?(?:,? (?P<y2>\d{{4}}))?\b"
    rf"|\b(?P<m3>{MONTH}) (?P<y3>\d{{4}})\b", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.])(?P<cur>[$€£])?\s?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<mult>\s?[kK]\b)?(?P<pct>\s?%|\s?percent\b)?")
HEDGE = re.compile(r"\b(about|around|roughly|approximately|approx\.?|nearly|almost|over|under|more than|less than|"
                   r"close to|some)\s*$|~\s*$", re.IGNORECASE)
# Words that say nothing about size on their own ("a", "couple", "few", "half") and one-letter scales ("5k" is read by
# NUMBER) are left out; "a"/"an" count only before hundred, thousand or million ("a hundred dollars", not "a grand
# total").
VAGUE = {"a", "an", "couple", "few", "half"}
CURRENCY_WORDS = r"(?:dollars?|bucks?|euros?|pounds?|quid|yen|usd|eur|gbp)"


def _alternation(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _number_words() -> tuple[dict[str, float], dict[str, float], re.Pattern[str]]:
    numbers = vocabulary()["numbers"]
    small = {w: float(v) for part in ("units", "tens") for w, v in numbers[part].items() if w not in VAGUE}
    scales = {w: float(v) for w, v in numbers["scales"].items() if len(w) > 1}
    word, scale = _alternation([*small, *scales]), _alternation(scales)
    article_scale = _alternation(w for w in scales if w in ("hundred", "thousand", "million", "billion"))
    rest = rf"(?:(?:\s+and\s+|\s+|-)(?:{word})\b)*"
    phrase = (rf"(?<![\w.-])(?P<cur>[$€£]\s?)?"
              rf"(?:(?P<lead>\d[\d,]*(?:\.\d+)?)\s+(?P<w1>(?:{scale})\b{rest})"
              rf"|(?P<art>an?)\s+(?P<w2>(?:{article_scale})\b{rest})"
              rf"|(?P<w3>(?:{_alternation(small)})\b{rest}))"
              rf"(?P<unit>\s+(?:{CURRENCY_WORDS}|percent|per cent|(?P<cents>cents?|pence|p))\b|\s?%)?")
    return small, scales, re.compile(phrase, re.IGNORECASE)


@dataclass(frozen=True)
class WordNumber:
    span: tuple[int, int]
    value: float
    step: float             # the size of its smallest word: "ninety-eight thousand" -> 1000
    money_or_rate: bool


def word_numbers(text: str) -> list[WordNumber]:
    """Numbers written (partly) in words: "ninety-eight thousand dollars" 98000, "$2.5 million" 2500000."""
    if not any(c.isalpha() for c in text):
        return []
    small, scales, pattern = _number_words()
    out = []
    for m in pattern.finditer(text):
        words = m.group("w1") or m.group("w2") or m.group("w3")
        total = 0.0
        current = float(m.group("lead").replace(",", "")) if m.group("lead") else 1.0 if m.group("art") else 0.0
        step = 1.0
        for token in re.split(r"\s+and\s+|\s+|-", words.lower()):
            if token in scales:
                current, step = (current or 1.0) * scales[token], scales[token]
                if scales[token] >= 1000:
                    total, current = total + current, 0.0
            elif token in small:
                current, step = current + small[token], 1.0
        if m.group("cents") and out and out[-1].money_or_rate and re.fullmatch(r"\s*(?:and\s*)?",
                                                                           text[out[-1].span[1]:m.start()]):
            first = out.pop()                           # "twelve dollars and fifty cents" is one amount: 12.50
            out.append(WordNumber((first.span[0], m.end()), first.value + (total + current) / 100, 0.01, True))
            continue
        value, step = (total + current, step) if not m.group("cents") else ((total + current) / 100, step / 100)
        out.append(WordNumber((m.start(), m.end()), value, step, bool(m.group("cur") or m.group("unit"))))
    return out


# An example of how to phrase a request ('for example "three thousand by June"') states no figure.
EXAMPLE = re.compile(r"\b(?:for example|for instance|e\.g\.|such as|say|try|type)\s*[:,]?\s*[\"“][^\"”\n]{0,80}[\"”]",
                     re.IGNORECASE)
NOT_FIGURES = re.compile(r"\*{2,}[\s-]*\d{4}|\[[A-Z]+_\d+\]|\[[\w.-]+#[\w.-]+\]|\*{3}-\*{2}-\*{4}|\b24/7\b")


@dataclass(frozen=True)
class DateMention:
    year: int | None
    month: int
    day: int | None


def _dates(text: str) -> list[tuple[tuple[int, int], list[DateMention]]]:
    """Date mentions as (span, readings); a slash date has two readings (US and day-first)."""
    out = []
    for m in DATE.finditer(text):
        g = m.groupdict()
        if g["iso"]:
            readings = [DateMention(int(g["iy"]), int(g["im"]), int(g["id"]))]
        elif g["sa"]:
            year = int(g["sy"]) + (2000 if len(g["sy"]) == 2 else 0)
            a, b = int(g["sa"]), int(g["sb"])
            readings = [DateMention(year, a, b), DateMention(year, b, a)]
        else:
            name = g["m1"] or g["m2"] or g["m3"]
            day, year = g["d1"] or g["d2"], g["y1"] or g["y2"] or g["y3"]
            readings = [DateMention(int(year) if year else None, MONTHS[name[:3].lower()], int(day) if day else None)]
        out.append(((m.start(), m.end()), readings))
    return out


def _date_traced(mention: DateMention, known: set[DateMention]) -> bool:
    return any(k.month == mention.month and (mention.year is None or k.year == mention.year)
               and (mention.day is None or k.day == mention.day) for k in known)


class Grounding:
    """The figures one Evidence allows, indexed once per answer."""

    def __init__(self, evidence: Evidence) -> None:
        texts = evidence.grounding_texts()
        values = set()
        self.dates: set[DateMention] = set()
        for text in texts:
            for _, readings in _dates(text):
                self.dates.update(readings)
            for m in NUMBER.finditer(text):
                value = float(m.group("num").replace(",", "") or 0)
                values.update({value, value * 1000 if m.group("mult") else value})
                if 0 < value < 1:
                    values.add(round(value * 100, 6))        # 0.1999 is shown as 19.99%
            values.update(w.value for w in word_numbers(text))
        self.values = sorted(values)

    def _value_traced(self, value: float, tolerance: float) -> bool:
        i = bisect.bisect_left(self.values, value - tolerance)
        return i < len(self.values) and self.values[i] <= value + tolerance

    def untraceable(self, text: str) -> list[str]:
        """The figures in `text` that no evidence supports."""
        text = NOT_FIGURES.sub(" ", EXAMPLE.sub(" ", text))
        missing, taken = [], []
        for (start, end), readings in _dates(text):
            taken.append((start, end))
            if not any(_date_traced(r, self.dates) for r in readings):
                missing.append(text[start:end])
        for w in word_numbers(text):
            taken.append(w.span)
            if not w.money_or_rate and w.value <= 12 and w.step == 1.0:
                continue
            tolerance = 0.5 * w.step + 1e-9
            if HEDGE.search(text[max(0, w.span[0] - 20):w.span[0]]):
                tolerance = max(tolerance, 0.05 * w.value)
            if not self._value_traced(w.value, tolerance):
                missing.append(text[w.span[0]:w.span[1]].strip())
        for m in NUMBER.finditer(text):
            if any(a <= m.start("num") < b for a, b in taken):
                continue
            raw = m.group("num").rstrip(",")
            value = float(raw.replace(",", ""))
            if not (m.group("cur") or m.group("pct")) and value <= 12 and "." not in raw:
                continue
            decimals = len(raw.split(".")[1]) if "." in raw else 0
            scale = 1000 if m.group("mult") else 1
            tolerance = (0.5 * 10 ** -decimals) * scale + 1e-9
            if HEDGE.search(text[max(0, m.start() - 20):m.start()]):
                tolerance = max(tolerance, 0.05 * value * scale)
            if not self._value_traced(value * scale, tolerance):
                missing.append(m.group(0).strip())
        return missing
