"""Slot extraction: amounts and currencies, rates, periods, merchants, categories, cards, strategies, goals, debts.

Libraries do the hard parts: price-parser reads amounts in any common format, dateparser reads explicit
dates the period rules do not cover, rapidfuzz matches merchants and categories against the customer's own.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from price_parser import Price
from rapidfuzz import fuzz, process

CURRENCY_SIGNS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "usd": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
                  "eur": "EUR", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP", "yen": "JPY",
                  "jpy": "JPY"}
AMOUNT = re.compile(
    r"(?P<sign>[$£€¥])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.,]*\d)(?!\s?(?:%|percent))\s?"
    r"(?P<mult>k\b|K\b|grand\b|thousand\b)?\s?(?P<word>dollars?\b|usd\b|bucks\b|euros?\b|eur\b|pounds?\b|quid\b|gbp\b|yen\b|jpy\b)?",
)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent\b|pct\b)(?:\s?apr)?", re.I)
MONTHLY = re.compile(r"(?:a|per|each|every|/)\s?(?:month|mo)\b|monthly|a\s+month", re.I)
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
CATEGORY_WORDS = {
    "dining": ["dining", "eating out", "eat out", "restaurants", "restaurant", "takeout", "take out", "takeaway",
               "take-away", "food delivery", "dinners", "lunches", "fast food", "doordash", "ubereats", "meals out"],
    "groceries": ["groceries", "grocery", "supermarket", "food shopping", "food shop"],
    "coffee": ["coffee", "coffees", "cafe", "cafes", "starbucks runs"],
    "income": ["paycheck", "paycheque", "paychecks", "salary", "wages", "payday", "direct deposit", "income"],
    "transport": ["transport", "transportation", "rides", "taxis", "taxi", "transit", "bus",
                  "train", "commute", "commuting", "parking"],
    "fuel": ["fuel", "gas", "petrol", "gasoline"],
    "shopping": ["shopping", "clothes", "clothing", "online shopping", "amazon stuff", "retail"],
    "entertainment": ["entertainment", "movies", "cinema", "concerts", "games", "gaming", "going out"],
    "subscriptions": ["subscriptions", "subscription", "streaming", "subs"],
    "utilities": ["utilities", "utility", "electric", "electricity", "power bill", "energy", "water bill"],
    "phone_internet": ["phone bill", "internet", "mobile", "broadband", "wifi", "cell phone"],
    "rent": ["rent", "mortgage", "housing"],
    "travel": ["travel", "trips", "flights", "flight", "airfare", "holiday", "vacation", "hotels", "hotel"],
    "health": ["health", "pharmacy", "medicine", "doctor", "medical"],
    "fitness": ["fitness", "gym"],
    "insurance": ["insurance"],
    "childcare": ["childcare", "daycare", "nursery", "babysitting"],
    "education": ["education", "student loan", "tuition", "school"],
    "business_supplies": ["supplies", "suppliers", "ingredients", "inventory", "stock"],
    "payroll": ["payroll", "wages", "staff pay", "salaries"],
    "fees": ["fees", "bank fees", "fx fees", "foreign fees"],
    "interest": ["interest", "interest charges"],
}
CATEGORY_LOOKUP = {word: category for category, words in CATEGORY_WORDS.items() for word in words}
STOP = {"the", "a", "an", "my", "on", "at", "in", "for", "to", "of", "and", "how", "much", "did", "i", "me",
        "what", "is", "it", "this", "that", "last", "month", "week", "year", "spend", "spent", "pay", "paid",
        "card", "money", "can", "you", "show", "all", "from", "with", "was", "were", "have", "has"}

# Words of banking itself: never a merchant's name on their own ("card payment" is not "Payment from Checking").
BANKING_WORDS = {"payment", "payments", "transfer", "transfers", "deposit", "deposits", "interest", "refund", "refunds",
                 "fee", "fees", "cash", "atm", "online", "mobile", "direct", "debit", "credit", "monthly", "annual",
                 "loan", "savings", "checking", "account", "balance", "charge", "charges", "purchase", "purchases",
                 "withdrawal", "pending", "cheque", "check", "bank", "wire", "overdraft"}


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None
    start: int
    end: int
    monthly: bool = False


@dataclass(frozen=True)
class Period:
    """A named period the tools understand, or explicit dates."""

    name: str | None = None
    start: date | None = None
    end: date | None = None
    label: str = ""

    def as_args(self) -> dict:
        if self.name:
            return {"period": self.name}
        return {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}


@dataclass
class Slots:
    amounts: list[Amount] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    period: Period | None = None
    merchant: str | None = None
    category: str | None = None
    card: str | None = None                 # card id
    strategy: str | None = None
    target_date: date | None = None
    goal_name: str | None = None
    months: int | None = None
    horizon_days: int | None = None         # "the next 2 weeks"
    days_to_month: int | None = None        # "january is always dead": days to the end of that month
    merchant_text: str | None = None        # a payee named in the message that is not (yet) the customer's

    def filled(self) -> set[str]:
        return {k for k, v in self.__dict__.items() if v not in (None, [], "")}


def amounts(text: str) -> list[Amount]:
    """Money amounts with their currency; percentages, dates and card last-fours are not amounts."""
    found = []
    for match in AMOUNT.finditer(text):
        sign, number, mult, word = match.group("sign"), match.group("num"), match.group("mult"), match.group("word")
        tail = text[match.end("num"):match.end("num") + 8].lower()
        head = text[max(0, match.start() - 8):match.start()].lower()
        if not (sign or mult or word) and (re.match(rf"\s?(st|nd|rd|th|months?|weeks?|days?|years?|yrs?|{MONTH_RE})\b", tail)
                                           or re.search(r"(ending|ends in|last four|last 4|in)\s?$", head)):
            continue
        if not (sign or mult or word) and _is_year(number, head, text[match.end("num"):match.end("num") + 14].lower()):
            continue
        price = Price.fromstring(f"{sign or ''}{number}")
        if price.amount is None:
            continue
        value = price.amount * (1000 if mult else 1)
        currency = CURRENCY_SIGNS.get(sign or "") or CURRENCY_WORDS.get((word or "").lower())
        after = text[match.end():match.end() + 16]
        found.append(Amount(value, currency, match.start(), match.end(), bool(MONTHLY.match(after.strip()))))
    return found


YEAR_BEFORE = re.compile(rf"\b(in|by|since|from|until|till|to|before|after|during|year|fy|(end|start|beginning|middle) of|"
                         rf"{MONTH_RE})\s*$")
YEAR_AFTER = re.compile(r"\s*(statements?|tax|taxes|returns?|budgets?|spending|summary|and|-)\b|\s*$|\s*[?.!,]")
MONEY_VERB = re.compile(r"\b(save|saving|pay|paid|spend|spent|owe|borrow|budget|cost|costs|need|put|target|goal|goal of|"
                        r"transfer|send|move|withdraw|about|around|over|under|only|another|extra|have|got)\s*$")


def _is_year(number: str, head: str, tail: str) -> bool:
    """A bare 19xx/20xx after a date word ("in 2025", "since May 2024") or before a yearly noun ("2025 statement")
    is a year; after a money word ("save 2000", "owe 2000 on my card") it is an amount."""
    if len(number) != 4 or not number.startswith(("19", "20")):
        return False
    head = head.rstrip()
    return not MONEY_VERB.search(head) and bool(YEAR_BEFORE.search(head) or YEAR_AFTER.match(tail))


NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twelve": 12}


def days_to_named_month(text: str, today: date) -> int | None:
    """Days from today to the end of the next month the message names ("january is always dead") or None."""
    m = re.search(rf"\b({MONTH_RE})\b", text.lower())
    if not m or m.group(1) in ("may", "mar") and not re.search(r"\b(in|by|until|through|during) (may|mar)\b", text.lower()):
        return None                                   # "may" is mostly a verb
    month = MONTHS[m.group(1)]
    year = today.year if month >= today.month else today.year + 1
    return (_month_bounds(year, month)[1] - today).days


def horizon_days(text: str) -> int | None:
    """How far ahead: "next 2 weeks" -> 14, "coming month" -> 30, "next 60 days" -> 60."""
    m = re.search(r"\b(?:next|coming|upcoming|following)\s+(\d+|a|one|two|three|four|five|six|ten|twelve)?\s*"
                  r"(day|week|month)s?\b", text, re.I)
    if not m:
        return None
    count = int(m.group(1)) if (m.group(1) or "").isdigit() else NUMBER_WORDS.get((m.group(1) or "a").lower(), 1)
    return count * {"day": 1, "week": 7, "month": 30}[m.group(2).lower()]


def saved_so_far(text: str) -> float | None:
    """"I already have 1,200" / "1,200 saved so far" -> 1200."""
    for found in amounts(text):
        after, before = text[found.end:found.end + 30].lower(), text[max(0, found.start - 30):found.start].lower()
        if re.match(r"\s*(already saved|saved already|saved so far|already|so far|put aside|in (the )?(pot|savings))", after) \
                or re.search(r"(already (have|got|saved)|i'?ve (got|saved)|i have saved)\s*$", before):
            return float(found.value)
    return None


def contribution(text: str) -> tuple[float, str] | None:
    """"250 every payday" -> (250, "per_paycheque"); "50 a week" -> (50, "weekly")."""
    for found in amounts(text):
        after = text[found.end:found.end + 25].lower()
        for pattern, cadence in ((r"\s*(every|each|per|a)\s+(payday|pay ?cheque|pay ?check)", "per_paycheque"),
                                 (r"\s*(every|each|per|a)\s+week", "weekly"), (r"\s*(every|each|per|a)\s+month", "monthly")):
            if re.match(pattern, after):
                return float(found.value), cadence
    return None


def comparison(text: str, value: float) -> dict:
    """Amount filters: "over 5 dollars" -> min_amount, "under 20" -> max_amount, otherwise that exact amount."""
    if re.search(r"\b(over|above|more than|bigger than|larger than|at least|greater than)\s*[$£€]?\s*\d", text, re.I):
        return {"min_amount": value}
    if re.search(r"\b(under|below|less than|smaller than|at most|up to)\s*[$£€]?\s*\d", text, re.I):
        return {"max_amount": value}
    return {"min_amount": value, "max_amount": value}


def payee(text: str) -> str | None:
    """A payee named after "at"/"from"/"to" ("at Costco") when it isn't one of the customer's merchants."""
    m = re.search(r"\b(?:at|from|with|to|on)\s+([A-Z][\w'&.-]+(?:\s+[A-Z][\w'&.-]+)?)", text)
    if m and m.group(1).lower() not in {"the", "my", "i", "a", "an", "me"} and m.group(1) not in calendar.month_name:
        return m.group(1)
    return None


def rates(text: str) -> list[float]:
    return [float(m.group(1)) for m in PERCENT.finditer(text)]


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_period(year: int, month: int, today: date) -> Period:
    """A calendar month as the tools name it ("2026-10"); the current month is "this_month"."""
    if (year, month) == (today.year, today.month):
        return Period(name="this_month", label="this month")
    start, end = _month_bounds(year, month)
    return Period(name=f"{year}-{month:02d}", start=start, end=end, label=f"{calendar.month_name[month]} {year}")


def period(text: str, today: date) -> Period | None:
    """Natural periods ("last month", "since March", "this pay period", "in October", "last 3 months")."""
    t = text.lower()
    named = [(r"\bthis pay ?(period|cycle)|since (i got paid|payday|my last pay)", "this_pay_period", "this pay period"),
             (r"\blast pay ?(period|cycle)|previous pay ?(period|cycle)", "last_pay_period", "last pay period"),
             (r"\blast month|previous month|past month\b", "last_month", "last month"),
             (r"\bthis month|so far this month|month to date|current month", "this_month", "this month"),
             (r"\bthis year|year to date|\bytd\b|so far this year", "ytd", "this year"),
             (r"\blast 30 days|past 30 days", "last_30_days", "the last 30 days")]
    for pattern, name, label in named:
        if re.search(pattern, t):
            return Period(name=name, label=label)
    if m := re.search(r"\b(?:last|past|previous)\s+(\d+|two|three|four|six|twelve)\s+(day|week|month)s?", t):
        count = {"two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}.get(m.group(1)) or int(m.group(1))
        days = count * {"day": 1, "week": 7, "month": 30}[m.group(2)]
        return Period(start=today - timedelta(days=days), end=today, label=f"the last {count} {m.group(2)}s")
    if re.search(r"\b(last|past) week\b", t):
        return Period(start=today - timedelta(days=7), end=today, label="the last 7 days")
    if re.search(r"\bthis week\b", t):
        return Period(start=today - timedelta(days=today.weekday()), end=today, label="this week")
    if re.search(r"\byesterday\b", t):
        return Period(start=today - timedelta(days=1), end=today - timedelta(days=1), label="yesterday")
    if re.search(r"\btoday\b", t):
        return Period(start=today, end=today, label="today")
    if re.search(r"\blast year\b", t):
        return Period(start=date(today.year - 1, 1, 1), end=date(today.year - 1, 12, 31), label=str(today.year - 1))
    month_names = MONTH_RE
    if m := re.search(rf"\bsince\s+({month_names})\b", t):
        month = MONTHS[m.group(1)]
        year = today.year if month <= today.month else today.year - 1
        return Period(start=date(year, month, 1), end=today, label=f"since {calendar.month_name[month]}")
    if m := re.search(rf"\b(?:in|during|for|of|over)\s+({month_names})\b", t):
        month = MONTHS[m.group(1)]
        return month_period(today.year if month <= today.month else today.year - 1, month, today)
    if m := re.search(r"\b(?:over|during|in|this|last)\s+(?:the\s+)?(summer|spring|autumn|fall|winter)\b", t):
        first, last = SEASONS[m.group(1)]
        year = today.year if last < today.month or (first <= today.month <= last) else today.year - 1
        start = date(year if first <= last else year - 1, first, 1)
        return Period(start=start, end=min(_month_bounds(year, last)[1], today), label=f"the {m.group(1)}")
    if m := re.search(r"\bsince\s+(.{3,25})$", t):
        return _parsed_since(m.group(1), today)
    return None


RELATIVE_AFTER = re.compile(r"\b(the )?(month|week|year|period) (after|later)\b|\bnext one\b|\bafter that\b", re.I)
RELATIVE_BEFORE = re.compile(r"\b(the )?(month|week|year|period) (before|prior)\b|\bprevious (one|month|week)\b|"
                             r"\bmonth before that\b|\bbefore that\b", re.I)


def shifted_period(args: dict, today: date, forward: bool) -> Period | None:
    """The period just before (or after) the one in `args`."""
    if not forward:
        return previous_period(args, today)
    name = args.get("period")
    if name and re.fullmatch(r"\d{4}-\d{2}", name):
        first = _add_months(date(int(name[:4]), int(name[5:]), 1), 1)
        return month_period(first.year, first.month, today) if first <= today else None
    if name == "last_month":
        return Period(name="this_month", label="this month")
    if args.get("start_date") and args.get("end_date"):
        start, end = date.fromisoformat(str(args["start_date"])), date.fromisoformat(str(args["end_date"]))
        length = end - start + timedelta(days=1)
        if start + length > today:
            return None
        return Period(start=start + length, end=min(end + length, today), label="the period after")
    return None


def previous_period(args: dict, today: date) -> Period | None:
    """The period just before the one in `args` ("and the month before?")."""
    name = args.get("period")
    if name in ("last_month", "this_month"):
        back = 2 if name == "last_month" else 1
        first = _add_months(today.replace(day=1), -back)
        return month_period(first.year, first.month, today)
    if name and re.fullmatch(r"\d{4}-\d{2}", name):
        first = _add_months(date(int(name[:4]), int(name[5:]), 1), -1)
        return month_period(first.year, first.month, today)
    if args.get("start_date") and args.get("end_date"):
        start, end = date.fromisoformat(str(args["start_date"])), date.fromisoformat(str(args["end_date"]))
        if start.day == 1 and end == _month_bounds(end.year, end.month)[1] and (start.year, start.month) == (end.year, end.month):
            first = _add_months(start, -1)
            return month_period(first.year, first.month, today)
        length = end - start + timedelta(days=1)
        return Period(start=start - length, end=end - length, label="the period before")
    return None


def _parsed_since(phrase: str, today: date) -> Period | None:
    import dateparser   # imported lazily: slow to import, rarely needed

    parsed = dateparser.parse(phrase, settings={"RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
                                                "PREFER_DATES_FROM": "past"})
    if parsed and parsed.date() <= today:
        return Period(start=parsed.date(), end=today, label=f"since {parsed.date():%d %B}")
    return None


def target_date(text: str, today: date) -> tuple[date | None, int | None]:
    """A goal's deadline: "by June", "by next summer", "in 8 months", "by the end of the year", "by 2027"."""
    t = text.lower()
    if m := re.search(r"\b(?:in|within|over)\s+(?:the\s+next\s+)?(\d+|a|an|one|six|twelve|three|two)\s+(month|year|week)s?\b", t):
        count = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "six": 6, "twelve": 12}.get(m.group(1)) or int(m.group(1))
        months = count * {"month": 1, "year": 12, "week": 0}[m.group(2)] or None
        if months:
            return _add_months(today, months), months
        return today + timedelta(weeks=count), None
    month_names = MONTH_RE
    if m := re.search(rf"\b(?:(?:by|before|until|for|in|to|till)\s+(?P<next>next\s+)?|(?P<bare>next\s+))"
                      rf"(?P<month>{month_names})(?:\s+(?P<year>\d{{4}}))?\b", t):
        month = MONTHS[m.group("month")]
        year = int(m.group("year")) if m.group("year") else (today.year if month > today.month else today.year + 1)
        if (m.group("next") or m.group("bare")) and not m.group("year") and (date(year, month, 1) - today).days < 90:
            year += 1                       # "next December" said in November means the one after
        return _month_bounds(year, month)[0], None
    if m := re.search(r"\b(?:by|before|for|until)\s+(next\s+|this\s+)?(summer|spring|autumn|fall|winter|christmas)\b", t):
        month = {"summer": 6, "spring": 3, "autumn": 9, "fall": 9, "winter": 12, "christmas": 12}[m.group(2)]
        year = today.year if month > today.month or (m.group(2) == "christmas" and today < date(today.year, 12, 20)) \
            else today.year + 1
        day = date(year, month, 1 if m.group(2) != "christmas" else 20)
        if m.group(1) and m.group(1).startswith("next") and (day - today).days < 90:
            day = day.replace(year=day.year + 1)      # "next Christmas" said in November means the one after
        return day, None
    if re.search(r"\bby (?:the )?end of (?:the |this )?year\b", t):
        return date(today.year, 12, 31), None
    if re.search(r"\bby (?:the )?end of next year\b", t):
        return date(today.year + 1, 12, 31), None
    if m := re.search(r"\bby\s+(20\d\d)\b", t):
        return date(int(m.group(1)), 1, 1), None
    return None, None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def category(text: str) -> str | None:
    t = f" {text.lower()} "
    for word in sorted(CATEGORY_LOOKUP, key=len, reverse=True):
        if re.search(rf"\b{re.escape(word)}\b", t):
            return CATEGORY_LOOKUP[word]
    words = [w for w in re.findall(r"[a-z]+", t) if w not in STOP and len(w) > 4]
    for word in words:
        hit = process.extractOne(word, list(CATEGORY_LOOKUP), scorer=fuzz.ratio, score_cutoff=88)
        if hit:
            return CATEGORY_LOOKUP[hit[0]]
    return None


def merchant(text: str, merchants: list[str]) -> str | None:
    """The customer's own merchant this message names (fuzzy, typo-tolerant), if any."""
    if not merchants:
        return None
    words = [w.strip(".'-") for w in re.findall(r"[\w'&+.-]+", text)]
    candidates = []
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            gram = " ".join(words[i:i + size])
            if size == 1 and (gram.lower() in STOP | BANKING_WORDS or len(gram) < 3 or gram.lower() in CATEGORY_LOOKUP):
                continue
            candidates.append(gram)
    best, best_score = None, 0.0
    keys = {m: _merchant_key(m) for m in merchants}
    for gram in candidates:
        for name, key in keys.items():
            first = key.split(" ", 1)[0]
            score = max(fuzz.ratio(gram.lower(), key), fuzz.ratio(gram.lower(), name.lower()),
                        fuzz.ratio(gram.lower(), first) - 4
                        if len(first) >= 5 and " " not in gram and first not in BANKING_WORDS else 0)
            if score > best_score:
                best, best_score = name, score
    if best_score < 86:
        return None
    return best


def _merchant_key(name: str) -> str:
    """Short form people say: "Whole Foods Market" -> "whole foods", "Uber Trip" -> "uber",
    "Transfer to Rainy Day Savings" -> "rainy day savings"."""
    drop = {"market", "trip", "inc", "llc", "co", "payroll", "payout", "deposit", "wireless", "internet",
            "energy", "electric", "insurance", "services", "store", "coffee", "pizza", "bread", "games", "pharmacy"}
    bare = re.sub(r"^(transfer|payment|deposit|standing order) (to|from) ", "", name.lower())
    words = [w for w in re.findall(r"[\w'&+-]+", bare) if w not in drop]
    return " ".join(words) or name.lower()


def strategy(text: str) -> str | None:
    t = text.lower()
    if re.search(r"avalanche|highest (interest|rate|apr)|most expensive|interest first", t):
        return "avalanche"
    if re.search(r"snowball|smallest (balance|debt)|lowest balance|quick wins?", t):
        return "snowball"
    return None


def goal_name(text: str) -> str | None:
    """"called Japan trip" -> "Japan trip"; "for a trip to Japan" -> "trip to Japan"; "emergency fund"."""
    if m := re.search(r"\b(?:called|named|name it|call it)\s+[\"']?([\w' -]{2,40}?)[\"']?(?=\s*(?:,|\.|$|\bfor\b|\bwith\b|"
                      r"\bof\b|\b\d|\$))", text, re.I):
        return m.group(1).strip()
    if m := re.search(r"\b(?:for|towards?|save up for|saving for)\s+(?:a|an|my|the|our)?\s*"
                      r"([a-z][a-z' ]{2,40}?)(?=\s+(?:by|in|before|until|of|with|and|worth)\b|[?.!,]|$)", text, re.I):
        name = m.group(1).strip()
        if name.lower() not in {"it", "that", "this", "month", "year", "me"} and not name.lower().startswith("each"):
            return name
    if m := re.search(r"\b(emergency fund|rainy day fund|house deposit|down ?payment|wedding|new car|holiday|vacation)\b",
                      text, re.I):
        return m.group(1)
    return None


def hypothetical_debts(text: str) -> list[dict]:
    """Debts described in the message: "5000 on a card at 19.99% with a 100 minimum, and a 3k loan at 7%"."""
    debts = []
    clauses = re.split(r"\band\b|;|\n|\.\s|, (?=(?:a|an|my|another|the)\b)", text, flags=re.I)
    for clause in clauses:
        rate = rates(clause)
        money = [a for a in amounts(clause) if not a.monthly]
        if not rate or not money:
            continue
        minimum = re.search(r"(?:min(?:imum)?(?: payment)?(?: of| is)?\s*)([$£€]?\d[\d,.]*)|([$£€]?\d[\d,.]*)\s*min", clause, re.I)
        min_value = None
        if minimum:
            min_value = float(Price.fromstring(minimum.group(1) or minimum.group(2)).amount or 0) or None
        balance = next((a for a in money if min_value is None or float(a.value) != min_value), money[0])
        name_match = re.search(r"\b(visa|mastercard|amex|store card|credit card|card|personal loan|car loan|"
                               r"student loan|loan|overdraft|line of credit)\b", clause, re.I)
        name = name_match.group(1).title() if name_match else f"Debt {len(debts) + 1}"
        if any(d["name"] == name for d in debts):
            name = f"{name} {len(debts) + 1}"
        debt = {"name": name, "balance": float(balance.value), "apr": rate[0]}
        if min_value:
            debt["min_payment"] = min_value
        debts.append(debt)
    return debts


def monthly_payment(text: str) -> float | None:
    monthly = [a for a in amounts(text) if a.monthly]
    return float(monthly[0].value) if monthly else None


def last_four(text: str) -> str | None:
    m = re.search(r"(?:ending(?: in)?|ends in|last (?:four|4)(?: digits)?(?: are| is)?|x{2,}|\*{2,}|…)\s*(\d{4})\b", text, re.I)
    return m.group(1) if m else None
