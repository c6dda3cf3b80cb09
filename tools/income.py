"""The customer's pay cycle, detected from their income history (never from the profile's declared cadence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.data import Txn, history
from tools.recurring import BANDS, MONTHS_PER_STEP, Series, detect, following
from tools.spec import Call

PAY_CADENCES = ("weekly", "biweekly", "monthly")


@dataclass(frozen=True)
class PaySchedule:
    """The main regular income: who pays, how often, on which dates, and the typical paycheque."""

    payer: str
    cadence: str
    dates: tuple[date, ...]
    typical: Decimal
    next_date: date

    @property
    def step(self) -> tuple[str, int]:
        """How far one pay period reaches: ("months", 1) or ("days", 7 | 14)."""
        return ("months", 1) if self.cadence in MONTHS_PER_STEP else ("days", BANDS[self.cadence][2])

    def paydays_between(self, after: date, end: date) -> int:
        """How many paydays fall after `after` and on or before `end`."""
        count, day = 0, self.next_date
        while day <= end:
            count += day > after
            day = following(self.cadence, day, max(d.day for d in self.dates[-3:]))
        return count


def income_series(txns: list[Txn], today: date) -> list[Series]:
    """Active regular income streams, largest monthly equivalent first."""
    credits = [t for t in txns if t.amount > 0 and t.category == "income"]
    found = [s for s in detect(credits, today) if s.kind == "income" and s.active and s.cadence in PAY_CADENCES]
    return sorted(found, key=lambda s: s.per_month(), reverse=True)


def detect_pay_schedule(txns: list[Txn], today: date) -> PaySchedule | None:
    streams = income_series(txns, today)
    if not streams:
        return None
    main = streams[0]
    return PaySchedule(payer=main.merchant, cadence=main.cadence, dates=main.dates, typical=main.typical,
                       next_date=main.next_date)


def pay_schedule(call: Call) -> PaySchedule | None:
    """The pay cycle from the visible history (None for irregular or business income)."""
    return detect_pay_schedule(history(call), call.today)
