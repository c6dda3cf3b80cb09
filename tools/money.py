"""Money helpers every tool shares: exact Decimal cents, float cents for results, and readable amounts."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def cents(value: Decimal | float | int | str) -> Decimal:
    """Round half-up to the cent (floats go through str so 0.1 stays 0.1)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_up(value: Decimal) -> Decimal:
    """Round up to the cent (a contribution that must reach a target)."""
    return value.quantize(CENT, rounding=ROUND_CEILING)


def amount(value: Decimal | float | int | str) -> float:
    """A result amount: rounded to the cent, as a JSON float."""
    return float(cents(value))


def show(value: Decimal | float, currency: str = "USD") -> str:
    """"$1,234.56" / "-€12.00" / "1,234.56 CHF": for plain-language summaries."""
    number = cents(value)
    sign = "-" if number < 0 else ""
    symbol = SYMBOLS.get(currency)
    digits = f"{abs(number):,.0f}" if currency == "JPY" else f"{abs(number):,.2f}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"
