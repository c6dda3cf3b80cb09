"""Groundedness: every amount, rate and date in an answer must trace to a tool result, a cited chunk or the customer's words.

Numbers match within the rounding the answer shows ("$1,235" traces to 1234.56; "19.99%" to 0.1999), 5% when
hedged ("about $1,200"). Small bare counts (up to 12: "3 steps", "12 months") need no source.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from copilot.compliance.types import Evidence

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
        self.values = sorted(values)

    def _value_traced(self, value: float, tolerance: float) -> bool:
        i = bisect.bisect_left(self.values, value - tolerance)
        return i < len(self.values) and self.values[i] <= value + tolerance

    def untraceable(self, text: str) -> list[str]:
        """The figures in `text` that no evidence supports."""
        text = NOT_FIGURES.sub(" ", text)
        missing, taken = [], []
        for (start, end), readings in _dates(text):
            taken.append((start, end))
            if not any(_date_traced(r, self.dates) for r in readings):
                missing.append(text[start:end])
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
