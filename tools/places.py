"""Where money was spent: one of the customer's own cities, a country (pycountry names, codes and regions), or
anywhere abroad; with no period asked for, a place covers the latest trip there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pycountry
from rapidfuzz import fuzz, process, utils

from tools.data import Txn, history, names
from tools.periods import Period, PeriodArgs, resolve
from tools.spec import Call, InvalidArgs

ABROAD = "abroad"
CITY_CUTOFF = 80
TRIP_LOOKBACK_DAYS = 400
TRIP_GAP_DAYS = 7


@dataclass(frozen=True)
class Place:
    """A place as a filter on transactions."""

    label: str
    city: str | None = None
    country: str | None = None
    home: str | None = None              # set for "abroad": everything outside this country

    def holds(self, txn: Txn) -> bool:
        if self.home:
            return txn.country != self.home
        return txn.city == self.city if self.city else txn.country == self.country


def _country(text: str) -> str | None:
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    try:
        return pycountry.countries.search_fuzzy(text)[0].alpha_2      # also regions and cities ("Scotland", "Tokyo")
    except LookupError:
        return None


def match_place(call: Call, text: str) -> Place:
    """The place the customer named, among their own transactions first."""
    wanted = text.strip()
    if wanted.lower() == ABROAD:
        return Place(label="abroad", home=call.customer.home_country)
    cities = sorted(name for name in names(call, "city") if name)
    city = process.extractOne(wanted, cities, scorer=fuzz.WRatio, processor=utils.default_process,
                               score_cutoff=CITY_CUTOFF) if cities else None
    if city:
        return Place(label=city[0], city=city[0])
    country = _country(wanted)
    if country is None:
        raise InvalidArgs(f"I can't tell which place {wanted!r} is: a city or a country you spent in will do")
    return Place(label=pycountry.countries.get(alpha_2=country).name, country=country)


def trip(call: Call, place: Place) -> Period | None:
    """The customer's latest stay in a place: its days with transactions there, no more than a week apart."""
    days = sorted({t.day for t in history(call, call.today - timedelta(days=TRIP_LOOKBACK_DAYS), call.today)
                   if place.holds(t)})
    if not days:
        return None
    start = end = days[-1]
    for day in reversed(days[:-1]):
        if (start - day).days > TRIP_GAP_DAYS:
            break
        start = day
    label = f"from {start:%-d %b} to {end:%-d %b %Y}" if start != end else f"on {start:%-d %b %Y}"
    return Period(start, end, label, ("days", (end - start).days + 1))


def place_and_period(call: Call, args: PeriodArgs, place: str | None, default: str) -> tuple[Place | None, Period, bool]:
    """The place asked about, the period to cover, and whether that period is the stay there (no period asked)."""
    found = match_place(call, place) if place else None
    asked = args.period or args.start_date or args.end_date
    stay = trip(call, found) if found and not asked else None
    return found, stay or resolve(call, args.period, args.start_date, args.end_date, default=default), stay is not None
