"""Fuzzy matching of what a customer types against their own merchants, categories, cards and debts (rapidfuzz)."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

from tools.spec import InvalidArgs

MERCHANT_CUTOFF = 80
CATEGORY_SYNONYMS = {
    "restaurants": "dining", "restaurant": "dining", "eating out": "dining", "food": "dining", "takeout": "dining",
    "supermarket": "groceries", "grocery": "groceries", "food shopping": "groceries",
    "gas": "fuel", "petrol": "fuel", "gasoline": "fuel",
    "streaming": "subscriptions", "subscription": "subscriptions",
    "transportation": "transport", "rideshare": "transport", "taxi": "transport", "transit": "transport",
    "gym": "fitness", "housing": "rent", "mortgage": "rent", "electricity": "utilities", "power": "utilities",
    "phone": "phone_internet", "phone bill": "phone_internet", "internet": "phone_internet", "mobile": "phone_internet",
    "flights": "travel", "hotels": "lodging", "hotel": "lodging", "movies": "entertainment", "fun": "entertainment",
    "pharmacy": "health", "medical": "health", "supplies": "business_supplies", "salary": "income", "pay": "income",
    "cafe": "coffee", "coffee shops": "coffee", "shops": "shopping", "clothes": "shopping",
}


def _clean(text: str) -> str:
    return utils.default_process(text)


def match_merchants(query: str, merchants: Iterable[str], cutoff: int = MERCHANT_CUTOFF) -> list[str]:
    """The customer's merchants that the query names, best first ("olive garden" -> "Olive Garden")."""
    choices = sorted(set(merchants))
    wanted = _clean(query)
    if not wanted:
        return []
    exact = [name for name in choices if _clean(name) == wanted]
    if exact:
        return exact
    scored = process.extract(wanted, choices, scorer=fuzz.WRatio, processor=_clean, limit=None, score_cutoff=cutoff)
    return [name for name, score, _ in scored if score >= scored[0][1] - 10]


def match_category(query: str, categories: Iterable[str]) -> str:
    """One of the customer's categories for what they typed (synonyms first, then fuzzy); else a repairable error."""
    known = sorted(set(categories))
    wanted = _clean(query).replace(" ", "_")
    for candidate in (wanted, CATEGORY_SYNONYMS.get(_clean(query), "")):
        if candidate in known:
            return candidate
    best = process.extractOne(_clean(query), known, scorer=fuzz.WRatio, processor=_clean, score_cutoff=85)
    if best:
        return best[0]
    raise InvalidArgs(f"unknown category {query!r}; this customer's categories are: {', '.join(known)}")


def by_words(query: str, label: str, **kwargs) -> float:
    """A fuzzy score that also counts a label holding every word of the query as a full match ("visa" names the
    "Cashback Visa"; plain WRatio marks a short query down against a long label)."""
    return max(fuzz.WRatio(query, label, **kwargs), fuzz.token_set_ratio(query, label, **kwargs))


def match_one(query: str, options: dict[str, str], what: str, scorer=fuzz.WRatio) -> str:
    """Pick one key of `options` (key -> label) for the query: exact key, then fuzzy label; ambiguity is an error."""
    if query in options:
        return query
    scored = process.extract(_clean(query), options, scorer=scorer, processor=_clean, limit=None, score_cutoff=75)
    listing = "; ".join(f"{key} ({label})" for key, label in options.items())
    if not scored:
        raise InvalidArgs(f"no {what} matches {query!r}; choose one of: {listing}")
    top = [key for _, score, key in scored if score == scored[0][1]]
    if len(top) > 1:
        raise InvalidArgs(f"{query!r} matches several {what}s; choose one of: {listing}")
    return top[0]
