"""Recurring-payment detection from history alone: cadence, next date, typical amount and price changes.

Pure functions over `Txn` values; bills, the pay cycle, fraud (price rises) and the cash-flow forecast share them.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

from tools.data import Txn

# cadence -> (shortest, longest) gap in days between charges, and the nominal interval in days
BANDS = {"weekly": (6, 8, 7), "biweekly": (13, 15, 14), "monthly": (27, 33, 30),
         "quarterly": (85, 97, 91), "annual": (355, 375, 365)}
MONTHS_PER_STEP = {"monthly": 1, "quarterly": 3, "annual": 12}
SUBSCRIPTION_CATEGORIES = {"subscriptions", "fitness"}
TRANSFER_CATEGORIES = {"transfers", "savings", "taxes"}
MIN_OCCURRENCES = 3
REGULAR_SHARE = 0.75         # share of gaps that must fall in the cadence band


@dataclass(frozen=True)
class PriceChange:
    old: Decimal
    new: Decimal
    since: date
    txn_id: str

    @property
    def pct(self) -> float:
        return float((self.new - self.old) / self.old * 100)


@dataclass(frozen=True)
class Series:
    """One detected recurring stream of charges (or income) at one merchant."""

    merchant: str
    category: str
    account_id: str
    incoming: bool
    cadence: str
    dates: tuple[date, ...]
    amounts: tuple[Decimal, ...]          # absolute values, oldest first
    txn_ids: tuple[str, ...]
    fixed: bool
    price_change: PriceChange | None
    next_date: date
    active: bool

    @property
    def last_amount(self) -> Decimal:
        return self.amounts[-1]

    @property
    def typical(self) -> Decimal:
        """What the next charge will most likely be: the current price, or the median of the last three."""
        return self.last_amount if self.fixed else Decimal(median(self.amounts[-3:]))

    @property
    def kind(self) -> str:
        if self.incoming:
            return "income" if self.category == "income" else "transfer_in"
        if self.category in SUBSCRIPTION_CATEGORIES:
            return "subscription"
        if self.category == "debt_payments":
            return "debt_payment"
        return "transfer" if self.category in TRANSFER_CATEGORIES else "bill"

    def per_month(self) -> Decimal:
        """The typical amount expressed per month (for choosing the main income, forecasts)."""
        return self.typical * Decimal(30.44) / BANDS[self.cadence][2]


def add_months(day: date, months: int, anchor: int | None = None) -> date:
    """Same day-of-month (or `anchor`) `months` later, clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(anchor or day.day, calendar.monthrange(year, month + 1)[1]))


def classify_cadence(days: list[date]) -> str | None:
    """weekly / biweekly / monthly / quarterly / annual when most gaps agree, else None."""
    if len(days) < MIN_OCCURRENCES:
        return None
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    middle = median(gaps)
    for cadence, (low, high, _) in BANDS.items():
        if low <= middle <= high:
            regular = sum(low <= gap <= high for gap in gaps) / len(gaps)
            return cadence if regular >= REGULAR_SHARE else None
    return None


def next_due(cadence: str, days: tuple[date, ...], today: date) -> date:
    """The first expected date on or after today."""
    anchor = max(day.day for day in days[-3:])          # 28/29/30/31 clamping in short months
    due = following(cadence, days[-1], anchor)
    while due < today:
        due = following(cadence, due, anchor)
    return due


def following(cadence: str, due: date, anchor: int) -> date:
    """The expected date after `due`."""
    if cadence in MONTHS_PER_STEP:
        return add_months(due, MONTHS_PER_STEP[cadence], anchor)
    return due + timedelta(days=BANDS[cadence][2])


def occurrences(series: Series, until: date) -> list[date]:
    """Expected dates from the next one up to `until` inclusive."""
    found, due = [], series.next_date
    while due <= until:
        found.append(due)
        due = following(series.cadence, due, max(day.day for day in series.dates[-3:]))
    return found


def _price_change(amounts: list[Decimal], days: list[date], ids: list[str]) -> PriceChange | None:
    """A fixed price that changed: at least two charges at the old price, then the new price since."""
    last_run = 1
    while last_run < len(amounts) and amounts[-1 - last_run] == amounts[-1]:
        last_run += 1
    start = len(amounts) - last_run
    if start < 2 or amounts[start - 1] != amounts[start - 2]:
        return None
    old, new = amounts[start - 1], amounts[-1]
    if abs(new - old) <= old * Decimal("0.005"):
        return None
    return PriceChange(old=old, new=new, since=days[start], txn_id=ids[start])


def detect(txns: list[Txn], today: date) -> list[Series]:
    """Every recurring stream in the history, one per merchant and direction (several charges a day count once)."""
    groups: dict[tuple[str, bool], dict[date, Txn]] = defaultdict(dict)
    for txn in sorted(txns, key=lambda t: (t.at, t.id)):
        if txn.amount != 0 and txn.category != "interest":
            groups[(txn.merchant, txn.amount > 0)].setdefault(txn.day, txn)
    found = []
    for (merchant, incoming), by_day in groups.items():
        days = sorted(by_day)
        cadence = classify_cadence(days)
        if cadence is None:
            continue
        rows = [by_day[day] for day in days]
        amounts = [abs(row.amount) for row in rows]
        change = _price_change(amounts, days, [row.id for row in rows])
        interval = BANDS[cadence][2]
        found.append(Series(
            merchant=merchant, category=rows[-1].category, account_id=rows[-1].account_id, incoming=incoming,
            cadence=cadence, dates=tuple(days), amounts=tuple(amounts), txn_ids=tuple(row.id for row in rows),
            fixed=amounts[-1] == amounts[-2] or change is not None, price_change=change,
            next_date=next_due(cadence, tuple(days), today),
            active=(today - days[-1]).days <= interval * 1.5 + 3))
    return sorted(found, key=lambda s: (s.next_date, s.merchant))
