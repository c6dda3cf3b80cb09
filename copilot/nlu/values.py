"""Values of the spans the model found: money, numbers, periods, dates, deadlines, horizons, cadences, ordinals.

The model decides what a span is ("last 5" is a count, "$5" an amount, "24 Nov" a date); these parsers only read
its value. A value that makes no sense (negative money, 1e308, the year 99999) is a `ValueProblem`, never a guess.
price-parser reads digit groups in any locale; dateparser reads the explicit dates the word lists do not cover.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import yaml
from price_parser import Price

from copilot.prompts import PROMPTS

MAX_MONEY = 10_000_000
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | \
    {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)} | \
    {name.lower(): i for i, name in enumerate(calendar.day_abbr)}


class ValueProblem(ValueError):
    """A span whose value is missing or absurd; the message is what to ask the customer."""


class NoValue(ValueProblem):
    """A span that states no value of the kind at all ("since when", "before I get paid"): ignored, not asked about."""


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return yaml.safe_load((PROMPTS / "nlu" / "values.yaml").read_text(encoding="utf-8"))


def words(text: str) -> list[str]:
    """Lower-case words and numbers: "$1,200.50/mo" -> ["$", "1,200.50", "/", "mo"]."""
    out, current = [], ""
    for char in text.lower():
        joins = char.isalnum() or (char in ",.'" and current[-1:].isdigit()) or (char == "'" and current.isalpha())
        if joins:
            current += char
            continue
        if current:
            out.append(current.strip(",.'"))
            current = ""
        if not char.isspace():
            out.append(char)
    if current:
        out.append(current.strip(",.'"))
    return [w for w in out if w]


def _digits(word: str) -> float | None:
    """A number written in digits: "1,200.50", "1.2", "1e308", "24th" -> 24, "5k" -> None (see _scaled)."""
    stripped = word.rstrip("stndrh") if word[:1].isdigit() else word
    try:
        return float(stripped)
    except ValueError:
        pass
    if stripped and stripped[0].isdigit() and all(c.isdigit() or c in ",." for c in stripped):
        price = Price.fromstring(stripped)
        return float(price.amount) if price.amount is not None else None
    return None


def number(text: str) -> float | None:
    """The number a span says, in digits or words: "1.2k" 1200, "two hundred" 200, "5 grand" 5000."""
    numbers, vocab = vocabulary()["numbers"], None
    vocab = numbers
    total, current, seen = 0.0, 0.0, False
    for word in words(text):
        head = word.rstrip("km") if word[:1].isdigit() and word[-1:] in "km" else word
        value = _digits(head)
        if value is not None:
            current, seen = value, True
            if head != word:
                current *= vocab["scales"][word[-1]]
        elif word in vocab["units"] and (word not in ("a", "an") or not seen):
            current, seen = current + vocab["units"][word], True
        elif word in vocab["tens"]:
            current, seen = current + vocab["tens"][word], True
        elif word in vocab["scales"] and seen:
            scale = vocab["scales"][word]
            current = (current or 1) * scale
            if scale >= 1000:
                total, current = total + current, 0.0
        elif seen and word not in ("and", "-"):
            break
    return total + current if seen else None


@dataclass(frozen=True)
class Money:
    value: float
    currency: str | None


def money(text: str) -> Money:
    """An amount span as money; negative, zero or absurd amounts are a ValueProblem."""
    currencies = vocabulary()["currencies"]
    tokens = words(text)
    currency = next((currencies["signs"][c] for c in text if c in currencies["signs"]), None) or \
        next((currencies["words"][w] for w in tokens if w in currencies["words"]), None)
    value = number(text)
    if value is None:
        raise ValueProblem(f"I couldn't read an amount in \"{text}\"")
    if text.strip().startswith(("-", "−", "minus")) or value < 0:
        raise ValueProblem(f"\"{text}\" is a negative amount: what amount did you mean?")
    if value == 0 or value > MAX_MONEY:
        raise ValueProblem(f"\"{text}\" doesn't look like a real amount: what amount did you mean?")
    return Money(round(value, 2), currency)


def clauses(text: str) -> list[str]:
    """The clauses of a message, cut after "?", "!", ";" or ". ", and at "and"/"also"/... after a comma:
    "spend on groceries last month, and what bills are coming up?" -> two clauses."""
    vocab = vocabulary()["clauses"]
    pieces, start, i = [], 0, 0
    while i < len(text):
        char = text[i]
        cut = char in vocab["ends"] or (char == "." and text[i + 1:i + 2] == " " and not text[i - 1:i].isdigit())
        if char == ",":
            following = text[i + 1:].split(None, 1)
            cut = bool(following) and following[0].lower().strip(",.") in vocab["joiners"]
            if cut and following[0].lower() in vocab["conjunctions"] and len(following) > 1:
                pieces.append(text[start:i + 1])
                start = i = text.index(following[1], i + 1)          # "and what bills ..." -> "what bills ..."
                continue
        if cut:
            pieces.append(text[start:i + 1])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return [p.strip(" ,") for p in pieces if len(words(p)) >= 3]


def count(text: str) -> int | None:
    value = number(text)
    return int(value) if value is not None and 0 < value <= 1000 else None


def cadence(text: str) -> str | None:
    """"a month" monthly, "every payday" per_paycheque, "fortnightly" biweekly."""
    table = vocabulary()["cadences"]
    return next((table[w] for w in reversed(words(text)) if w in table), None)


def ordinal(text: str) -> int | None:
    """"the second one" 2, "last" -1, "#3" 3."""
    table = vocabulary()["ordinals"]
    found = next((table[w] for w in words(text) if w in table), None)
    return found if found is not None else (int(n) if (n := number(text)) and n.is_integer() else None)


def currency(text: str) -> str | None:
    currencies = vocabulary()["currencies"]
    return next((currencies["signs"][c] for c in text if c in currencies["signs"]), None) or \
        next((currencies["words"][w] for w in words(text) if w in currencies["words"]), None)


# --- time ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A period the tools know by name, or explicit dates; `label` is how an answer says it."""

    name: str | None = None
    start: date | None = None
    end: date | None = None
    label: str = ""

    def as_args(self) -> dict:
        return {"period": self.name} if self.name else {"start_date": self.start.isoformat(),
                                                        "end_date": self.end.isoformat()}


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_period(year: int, month: int, today: date) -> Period:
    if (year, month) == (today.year, today.month):
        return Period(name="this_month", label="this month")
    start, end = _month_bounds(year, month)
    return Period(name=f"{year}-{month:02d}", start=start, end=end, label=f"{calendar.month_name[month]} {year}")


def _year_in(tokens: list[str]) -> int | None:
    years = [w for w in tokens if w.isdigit() and len(w) >= 4]
    if years and not 1990 <= int(years[0]) <= 2100:
        raise ValueProblem(f"{years[0]} isn't a year I can look at: which year did you mean?")
    return int(years[0]) if years else None


def _length(tokens: list[str]) -> int | None:
    """Days in "3 months", "two weeks", "a year"."""
    units = vocabulary()["units"]
    unit = next((units[w] for w in tokens if w in units), None)
    if unit is None:
        return None
    amount = number(" ".join(w for w in tokens if w not in units)) or 1
    return int(round(amount * unit))


def _timeless(text: str) -> bool:
    """No digit and no word of time in the span: the model marked words that name no period or date."""
    vocab = vocabulary()
    known = set(MONTHS) | set(WEEKDAYS) | set(vocab["units"]) | set(vocab["cadences"]) | \
        set(vocab["periods"]["seasons"]) | {"yesterday", "today", "tonight", "tomorrow"}
    phrase = " ".join(words(text))
    named = list(vocab["periods"]["named"]) + list(vocab["deadlines"]["holidays"]) + vocab["deadlines"]["year_end"]
    return not any(c.isdigit() for c in text) and not set(words(text)) & known and \
        not any(name in phrase for name in named)


def _unreadable(text: str, problem: str) -> ValueProblem:
    return NoValue(problem) if _timeless(text) else ValueProblem(problem)


def period(text: str, today: date) -> Period:
    """A past period: "last month", "since March", "in October 2025", "the last 3 months", "over the summer"."""
    vocab = vocabulary()["periods"]
    tokens = words(text)
    core = [w for w in tokens if w not in vocab["fillers"]]
    phrase = " ".join(w for w in tokens if w not in ("the", "my", "over", "during", "in", "for"))
    if phrase in vocab["named"] or " ".join(core) in vocab["named"]:
        name = vocab["named"].get(phrase) or vocab["named"][" ".join(core)]
        return Period(name=name, label=phrase)
    single = _single_day(tokens, today)
    if single:
        return Period(start=single, end=single, label=f"{single.day} {single:%b %Y}")
    year = _year_in(tokens)
    month = next((MONTHS[w] for w in tokens if w in MONTHS and w != "may" or w == "may" and len(core) <= 3), None)
    if tokens and tokens[0] in vocab["since"] and (month or year):
        if month and any(w[:1].isdigit() and len(w) <= 4 and not w.isdigit() or w.isdigit() and len(w) <= 2 for w in tokens):
            start = day(" ".join(tokens[1:]), today)
            return Period(start=start, end=today, label=f"since {start.day} {start:%B}")
        start_year = year or (today.year if (month or 1) <= today.month else today.year - 1)
        start = date(start_year, month or 1, 1)
        return Period(start=start, end=today, label=f"since {calendar.month_name[month or 1]} {start_year}")
    if month:
        return month_period(year or (today.year if month <= today.month else today.year - 1), month, today)
    season = next((w for w in tokens if w in vocab["seasons"]), None)
    if season:
        first, last = vocab["seasons"][season]
        end_year = year or (today.year if last < today.month or first <= today.month <= last else today.year - 1)
        start = date(end_year - (first > last), first, 1)
        return Period(start=start, end=min(_month_bounds(end_year, last)[1], today), label=f"the {season}")
    if year and not any(w in vocabulary()["units"] for w in tokens):
        return Period(start=date(year, 1, 1), end=min(date(year, 12, 31), today), label=str(year))
    days = _length(core)
    if days:
        if days > 3660:
            raise ValueProblem(f"\"{text}\" goes back further than I can look: which period did you mean?")
        label = f"the last {' '.join(w for w in core if w not in vocab['relative'])}"
        return Period(start=today - timedelta(days=days), end=today, label=label)
    if tokens and tokens[0] in vocab["since"]:
        parsed = _parsed(" ".join(tokens[1:]), today)
        if parsed:
            return Period(start=parsed, end=today, label=f"since {parsed.day} {parsed:%B}")
    raise _unreadable(text, f"I couldn't tell which period \"{text}\" means")


def shifted(period_args: dict, today: date, forward: bool) -> Period | None:
    """The period just before (or after) the one in a tool's arguments ("and the month before?")."""
    name = period_args.get("period")
    if name in ("last_month", "this_month") or (name and name[:4].isdigit()):
        first = today.replace(day=1) if name == "this_month" else add_months(today.replace(day=1), -1) \
            if name == "last_month" else date(int(name[:4]), int(name[5:7]), 1)
        moved = add_months(first, 1 if forward else -1)
        return month_period(moved.year, moved.month, today) if moved <= today else None
    if period_args.get("start_date") and period_args.get("end_date"):
        start, end = date.fromisoformat(str(period_args["start_date"])), date.fromisoformat(str(period_args["end_date"]))
        length = end - start + timedelta(days=1)
        if forward:
            return Period(start=start + length, end=min(end + length, today), label="the period after") \
                if start + length <= today else None
        return Period(start=start - length, end=end - length, label="the period before")
    return None


def _single_day(tokens: list[str], today: date) -> date | None:
    if "yesterday" in tokens:
        return today - timedelta(days=1)
    if "today" in tokens or "tonight" in tokens:
        return today
    return None


def _parsed(text: str, today: date, future: bool = False) -> date | None:
    import dateparser  # imported lazily: slow to import, needed for explicit dates only

    base = datetime.combine(today, datetime.min.time())
    found = dateparser.parse(text, languages=["en"],
                             settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future" if future else "past",
                                       "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY"})
    return found.date() if found else None


def day(text: str, today: date) -> date:
    """One day in the past: "24 Nov", "the 24th", "Monday", "yesterday", "2026-11-01", "03/11"."""
    tokens = words(text)
    single = _single_day(tokens, today)
    if single:
        return single
    weekday = next((WEEKDAYS[w] for w in tokens if w in WEEKDAYS), None)
    if weekday is not None:
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    month = next((MONTHS[w] for w in tokens if w in MONTHS), None)
    numbers = [int(n) for w in tokens if (n := _digits(w)) is not None and n.is_integer() and 1 <= n <= 31]
    if numbers and (month or len(numbers) == 1 and not any("/" in w or "-" in w for w in tokens)):
        month = month or (today.month if numbers[0] <= today.day else add_months(today, -1).month)
        year = _year_in(tokens) or (today.year if (month, numbers[0]) <= (today.month, today.day) else today.year - 1)
        try:
            return date(year, month, numbers[0])
        except ValueError as exc:
            raise ValueProblem(f"\"{text}\" isn't a date I recognise") from exc
    parsed = _parsed(text, today)
    if parsed is None or parsed.year < 1990:
        raise _unreadable(text, f"\"{text}\" isn't a date I recognise")
    return parsed


def _day_in(month_start: date, day_of_month: int) -> date | None:
    """That day of the month, or None when the month is shorter ("the 31st" of November)."""
    return month_start.replace(day=day_of_month) if day_of_month <= calendar.monthrange(
        month_start.year, month_start.month)[1] else None


@dataclass(frozen=True)
class Deadline:
    day: date
    months: int | None = None


def deadline(text: str, today: date) -> Deadline:
    """A future target: "by June", "in 18 months", "by next Christmas", "by the end of the year", "by 2028"."""
    vocab = vocabulary()["deadlines"]
    tokens = words(text)
    phrase = " ".join(tokens)
    if any(end in phrase for end in vocab["year_end"]):
        year = today.year + ("next" in tokens)
        return Deadline(date(year, 12, 31))
    holiday = next((name for name in vocab["holidays"] if name in phrase), None)
    if holiday:
        month, day_of = vocab["holidays"][holiday]
        target = date(today.year, month, day_of)
        if target <= today or ("next" in tokens and (target - today).days < 90):
            target = target.replace(year=target.year + 1)
        return Deadline(target)
    year = _year_in(tokens)
    month = next((MONTHS[w] for w in tokens if w in MONTHS), None)
    day_named = next((int(n) for w in tokens if w[:1].isdigit() and len(w.rstrip("stndrh")) <= 2
                      and (n := _digits(w)) is not None and n.is_integer() and 1 <= n <= 31), None)
    if month and day_named:                                              # "december 15", "the 3rd of jan"
        target = _day_in(date(year or today.year, month, 1), day_named)
        if target is None:
            raise ValueProblem(f"{calendar.month_name[month]} has no day {day_named}: which day did you mean?")
        if target <= today and not year:
            target = _day_in(date(today.year + 1, month, 1), day_named) or target
        return Deadline(target)
    if month:
        target_year = year or (today.year if month > today.month else today.year + 1)
        if "next" in tokens and not year and (date(target_year, month, 1) - today).days < 90:
            target_year += 1
        first, last = _month_bounds(target_year, month)
        return Deadline(last if any(end in phrase for end in vocab["month_end"]) else first)
    if "weekend" in tokens:                                              # "this weekend": its Sunday
        return Deadline(today + timedelta(days=(6 - today.weekday()) % 7 + 7 * ("next" in tokens)))
    day_of_month = next((int(n) for w in tokens if w[:1].isdigit() and not w.isdigit()
                         and (n := _digits(w)) is not None and n.is_integer() and 1 <= n <= 31), None)
    if day_of_month:                                                     # "on the 28th": the next 28th
        upcoming = next(d for months in range(3) if (d := _day_in(add_months(today.replace(day=1), months),
                                                                  day_of_month)) and d > today)
        return Deadline(upcoming)
    season = next((w for w in tokens if w in vocabulary()["periods"]["seasons"]), None)
    if season:
        month = vocabulary()["periods"]["seasons"][season][0]
        target = date(year or today.year, month, 1)
        if target <= today or ("next" in tokens and (target - today).days < 90):
            target = target.replace(year=target.year + 1)
        return Deadline(target)
    days = _length([w for w in tokens if w not in vocab["by"]])
    if days:
        months = days // 30 if days % 30 == 0 else days // 365 * 12 if days % 365 == 0 else None
        if days > 50 * 365:
            raise ValueProblem(f"\"{text}\" is further ahead than I can plan: when do you need the money?")
        return Deadline(add_months(today, months) if months else today + timedelta(days=days), months)
    if year:
        if year <= today.year:
            raise ValueProblem(f"{year} has already started: when do you need the money?")
        return Deadline(date(year, 1, 1))
    parsed = _parsed(text, today, future=True)
    if parsed and parsed > today:
        return Deadline(parsed)
    raise _unreadable(text, f"I couldn't tell when \"{text}\" is: a month (\"by June\") or a number of months is enough")


def horizon(text: str, today: date) -> int:
    """Days ahead: "next 2 weeks" 14, "the coming month" 30, "before payday" 14, "january" to its end, "by Friday"."""
    tokens = words(text)
    days = _length(tokens)
    if days:
        return days
    month = next((MONTHS[w] for w in tokens if w in MONTHS), None)
    if month:
        year = today.year if month >= today.month else today.year + 1
        return max(1, (_month_bounds(year, month)[1] - today).days)
    if any(w in vocabulary()["cadences"] and vocabulary()["cadences"][w] == "per_paycheque" for w in tokens):
        return 14
    return max(1, (deadline(text, today).day - today).days)
