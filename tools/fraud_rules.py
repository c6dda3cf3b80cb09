"""Fraud and charging-error rules over one customer's history (pure functions): each alert carries its evidence.

Rules, in priority order (a transaction is reported by the first rule that flags it; later matches are listed as
`also`): card-testing micro-charges, duplicate charges, impossible travel, cross-border charges while not there,
a new merchant with a large amount, an unusual amount for the merchant or category, subscription price rises.
Only transactions on or after `since` are flagged; everything before is the customer's normal. Amount rules
compare home-currency purchases only (wallet pockets in other currencies have their own scale).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

from tools.data import Txn
from tools.geo import country_name, distance_km
from tools.recurring import detect

CARD_CHANNELS = {"card_present", "online", "wallet"}
MICRO, TESTING_WINDOW, TESTING_MIN = Decimal("2.00"), timedelta(minutes=60), 3
DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_SPEED_KMH, MIN_JUMP_KM, NEAR, AROUND = 900, 500, timedelta(hours=12), timedelta(hours=72)
NEW_FLOOR, NEW_TIMES, NEW_AFTER_DAYS = Decimal(250), 5, 60
UNUSUAL_FLOOR, UNUSUAL_TIMES, MERCHANT_BASE, CATEGORY_BASE = Decimal(100), 3, 4, 8
ABOVE_MAX = Decimal("1.5")           # and half as much again as the largest such (or same-merchant) purchase before
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Alert:
    kind: str
    severity: str                       # high | medium | low
    title: str
    flagged: tuple[Txn, ...]            # the suspicious transactions
    related: tuple[Txn, ...] = ()       # context: the original of a duplicate, the charge in the other country
    facts: dict = field(default_factory=dict)
    fraud_suspected: bool = True        # False: a charging error or price change, not someone else using the card
    also: list[str] = field(default_factory=list)


def _spend(t: Txn) -> Decimal:
    return -t.amount


def _purchases(txns: list[Txn]) -> list[Txn]:
    return sorted((t for t in txns if t.amount < 0 and t.channel in CARD_CHANNELS), key=lambda t: (t.at, t.id))


def _device(t: Txn) -> str:
    return t.card_id or t.account_id


def card_testing(txns: list[Txn], since: date) -> list[Alert]:
    groups: dict[tuple[str, str], list[Txn]] = defaultdict(list)
    for t in _purchases(txns):
        if _spend(t) < MICRO and t.day >= since:
            groups[(_device(t), t.merchant)].append(t)
    alerts = []
    for (_, merchant), charges in groups.items():
        cluster: list[Txn] = []
        for t in charges + [None]:
            if t is not None and cluster and t.at - cluster[0].at <= TESTING_WINDOW:
                cluster.append(t)
                continue
            if len(cluster) >= TESTING_MIN:
                minutes = int((cluster[-1].at - cluster[0].at).total_seconds() // 60)
                alerts.append(Alert("card_testing", "high", f"{len(cluster)} tiny charges at {merchant} within "
                                    f"{minutes} minutes: a typical test of a stolen card number", tuple(cluster),
                                    facts={"charges": len(cluster), "minutes": minutes}))
            cluster = [t] if t is not None else []
    return alerts


def duplicates(txns: list[Txn], since: date) -> list[Alert]:
    last_seen: dict[tuple[str, str, Decimal], Txn] = {}
    alerts = []
    for t in _purchases(txns):
        key = (_device(t), t.merchant, t.amount)
        first = last_seen.get(key)
        if first and t.at - first.at <= DUPLICATE_WINDOW and t.day >= since and _spend(t) >= MICRO:
            minutes = int((t.at - first.at).total_seconds() // 60)
            alerts.append(Alert("duplicate_charge", "medium", f"{t.merchant} charged the same amount twice "
                                f"{minutes} minutes apart: possibly a charging error", (t,), (first,),
                                facts={"minutes_apart": minutes}, fraud_suspected=False))
        last_seen[key] = t
    return alerts


def _around(present: list[Txn], t: Txn, span: timedelta) -> list[Txn]:
    return [u for u in present if u is not t and abs(u.at - t.at) <= span]


def impossible_travel(txns: list[Txn], since: date) -> list[Alert]:
    present = sorted((t for t in txns if t.amount < 0 and t.channel == "card_present"), key=lambda t: t.at)
    alerts = []
    for t in present:
        if t.day < since:
            continue
        countries = Counter(u.country for u in _around(present, t, AROUND)) + Counter([t.country])
        for u in _around(present, t, NEAR):
            km = distance_km(t.country, u.country)
            hours = max(abs((u.at - t.at).total_seconds()) / 3600, 0.1)
            if km and km > MIN_JUMP_KM and km / hours > MAX_SPEED_KMH and countries[t.country] <= 2 \
                    and countries[t.country] < countries[u.country]:
                alerts.append(Alert("impossible_travel", "high", f"card used in person in "
                                    f"{country_name(t.country)} {hours:.1f} hours from a purchase in "
                                    f"{country_name(u.country)}, {km:,.0f} km away", (t,), (u,),
                                    facts={"country": t.country, "other_country": u.country,
                                           "hours_apart": round(hours, 1), "distance_km": round(km)}))
                break
    return alerts


def _first_time(purchases: list[Txn]) -> set[str]:
    """Ids of the first purchase at each merchant."""
    seen: dict[str, str] = {}
    for t in purchases:
        seen.setdefault(t.merchant, t.id)
    return set(seen.values())


def cross_border(txns: list[Txn], since: date, home: str) -> list[Alert]:
    purchases = _purchases(txns)
    first = _first_time(purchases)
    alerts = []
    for t in purchases:
        if t.day >= since and t.country != home and t.id in first and not _abroad_with_card(txns, t, home):
            alerts.append(Alert("cross_border", "high" if _spend(t) >= NEW_FLOOR else "medium",
                                f"first charge ever at {t.merchant}, from {country_name(t.country)}, while you were not "
                                "shopping there", (t,), facts={"country": t.country}))
    return alerts


def _abroad_with_card(txns: list[Txn], t: Txn, home: str) -> bool:
    """A foreign charge while the customer is shopping in person in that country (a trip)."""
    present = [u for u in txns if u.amount < 0 and u.channel == "card_present" and u.country == t.country]
    return t.country != home and len(_around(present, t, AROUND)) >= 2


def new_merchant_large(txns: list[Txn], since: date, home: str, currency: str) -> list[Alert]:
    purchases = [t for t in _purchases(txns) if t.currency == currency]
    if not purchases:
        return []
    typical = median(_spend(t) for t in purchases)
    start = purchases[0].day + timedelta(days=NEW_AFTER_DAYS)
    first = _first_time(purchases)
    alerts = []
    for t in purchases:
        if t.id in first and t.day >= max(since, start) and _spend(t) >= max(NEW_FLOOR, NEW_TIMES * typical) \
                and not _abroad_with_card(txns, t, home):
            times = float(_spend(t) / typical)
            alerts.append(Alert("new_merchant_large", "high" if times >= 10 else "medium",
                                f"first purchase at {t.merchant}, about {times:.0f} times your typical card purchase",
                                (t,), facts={"typical_purchase": float(typical), "times_typical": round(times, 1)}))
    return alerts


def unusual_amount(txns: list[Txn], since: date, currency: str) -> list[Alert]:
    by_merchant: dict[str, list[Decimal]] = defaultdict(list)
    by_category: dict[str, list[Decimal]] = defaultdict(list)
    alerts = []
    for t in _purchases(txns):
        if t.currency != currency:
            continue
        merchant, category = by_merchant[t.merchant], by_category[t.category]
        prior, basis = (merchant, "merchant") if len(merchant) >= MERCHANT_BASE else \
            (category, "category") if merchant and len(category) >= CATEGORY_BASE else ([], None)
        base = median(prior) if prior else None
        largest = max(prior + merchant, default=Decimal(0))
        if base and t.day >= since and _spend(t) >= max(UNUSUAL_FLOOR, UNUSUAL_TIMES * base, ABOVE_MAX * largest):
            where = t.merchant if basis == "merchant" else f"{t.category} purchases"
            alerts.append(Alert("unusual_amount", "medium", f"{_spend(t):.2f} at {t.merchant} is about "
                                f"{_spend(t) / base:.0f} times your usual for {where}", (t,),
                                facts={"usual_amount": float(base), "basis": basis}))
        merchant.append(_spend(t))
        category.append(_spend(t))
    return alerts


def price_rises(txns: list[Txn], since: date, today: date) -> list[Alert]:
    by_id = {t.id: t for t in txns}
    alerts = []
    for series in detect(txns, today):
        change = series.price_change
        if change and change.new > change.old and change.since >= since and not series.incoming:
            alerts.append(Alert("price_rise", "low", f"{series.merchant} went up from {change.old} to {change.new} "
                                f"({change.pct:.0f}%)", (by_id[change.txn_id],),
                                facts={"from": float(change.old), "to": float(change.new), "percent": round(change.pct, 1)},
                                fraud_suspected=False))
    return alerts


def find_alerts(txns: list[Txn], home: str, currency: str, since: date, today: date) -> list[Alert]:
    """Every rule in priority order; a transaction already reported only adds the rule to that alert's `also`."""
    found = [*card_testing(txns, since), *duplicates(txns, since), *impossible_travel(txns, since),
             *cross_border(txns, since, home), *new_merchant_large(txns, since, home, currency),
             *unusual_amount(txns, since, currency),
             *price_rises(txns, since, today)]
    kept: list[Alert] = []
    owner: dict[str, Alert] = {}
    for alert in found:
        earlier = {owner[t.id].kind: owner[t.id] for t in alert.flagged if t.id in owner}
        if len(earlier) == 1 and all(t.id in owner for t in alert.flagged):
            first = next(iter(earlier.values()))
            if alert.kind not in first.also and alert.kind != first.kind:
                first.also.append(alert.kind)
            continue
        kept.append(alert)
        for t in alert.flagged:
            owner.setdefault(t.id, alert)
    return sorted(kept, key=lambda a: (SEVERITY_ORDER[a.severity], -a.flagged[-1].at.timestamp()))
