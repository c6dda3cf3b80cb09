"""How numbers, dates and lists read in answers (one place, so the groundedness filter sees one format)."""

from __future__ import annotations

from datetime import date

SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥"}


def money(value, currency: str | None = "USD") -> str:
    """$1,234.56 / €45.00 / ¥18,000; negative amounts as -$12.00."""
    if value is None:
        return "n/a"
    number = float(value)
    sign = "-" if number < 0 else ""
    number = abs(number)
    digits = f"{number:,.0f}" if currency == "JPY" else f"{number:,.2f}"
    symbol = SYMBOLS.get(currency or "USD")
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def percent(value) -> str:
    return "n/a" if value is None else f"{float(value):g}%"


def day(value) -> str:
    """2026-11-27 -> 27 Nov 2026."""
    if not value:
        return ""
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{parsed.day} {parsed:%b %Y}"


def month(value) -> str:
    """2028-07-01 -> July 2028."""
    if not value:
        return ""
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{parsed:%B %Y}"


def plural(count, word: str, many: str | None = None) -> str:
    return f"{count:g} {word if count == 1 else (many or word + 's')}"


def human(name: str) -> str:
    """business_supplies -> business supplies."""
    return str(name).replace("_", " ")


def listing(items: list[str], conjunction: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def card_words(name: str, last4: str) -> str:
    """"Cashback Visa card ending 3424"; a name that already says card is not doubled ("HomeStyle Store Card ending
    1180", not "Store Card card")."""
    noun = "" if str(name).lower().rstrip().endswith("card") else " card"
    return f"{name}{noun} ending {last4}"


def card(value: dict) -> str:
    return card_words(value["name"], value["last4"])


def during(label: str) -> str:
    """"last month (October 2026)" reads as is; "October 2026" becomes "in October 2026"."""
    return label if label.split(" ", 1)[0].lower() in ("last", "this", "the", "since", "today", "yesterday", "from", "on") \
        else f"in {label}"


FILTERS = {"during": during, "money": money, "percent": percent, "day": day, "month": month, "human": human, "listing": listing,
           "card": card}
