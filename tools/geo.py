"""Rough country locations (a central city) and great-circle distance, for impossible-travel checks; country names."""

from __future__ import annotations

import math
from functools import lru_cache

import pycountry

# ISO country -> (latitude, longitude) of a central, well-connected city
COUNTRIES = {
    "US": (39.8, -98.6), "CA": (45.4, -75.7), "MX": (19.4, -99.1), "BR": (-23.6, -46.6), "AR": (-34.6, -58.4),
    "CL": (-33.4, -70.7), "CO": (4.7, -74.1), "PE": (-12.0, -77.0), "GB": (51.5, -0.1), "IE": (53.3, -6.3),
    "FR": (48.9, 2.4), "ES": (40.4, -3.7), "PT": (38.7, -9.1), "DE": (52.5, 13.4), "NL": (52.4, 4.9),
    "BE": (50.8, 4.4), "CH": (46.9, 7.4), "AT": (48.2, 16.4), "IT": (41.9, 12.5), "GR": (38.0, 23.7),
    "SE": (59.3, 18.1), "NO": (59.9, 10.8), "DK": (55.7, 12.6), "FI": (60.2, 24.9), "PL": (52.2, 21.0),
    "CZ": (50.1, 14.4), "HU": (47.5, 19.0), "RO": (44.4, 26.1), "LT": (54.7, 25.3), "LV": (56.9, 24.1),
    "EE": (59.4, 24.8), "UA": (50.5, 30.5), "RU": (55.8, 37.6), "TR": (41.0, 29.0), "IL": (32.1, 34.8),
    "AE": (25.2, 55.3), "SA": (24.7, 46.7), "EG": (30.0, 31.2), "ZA": (-26.2, 28.0), "NG": (6.5, 3.4),
    "KE": (-1.3, 36.8), "MA": (33.6, -7.6), "IN": (19.1, 72.9), "CN": (31.2, 121.5), "HK": (22.3, 114.2),
    "JP": (35.7, 139.7), "KR": (37.6, 127.0), "SG": (1.35, 103.8), "TH": (13.8, 100.5), "VN": (10.8, 106.7),
    "ID": (-6.2, 106.8), "PH": (14.6, 121.0), "MY": (3.1, 101.7), "AU": (-33.9, 151.2), "NZ": (-36.8, 174.8),
}


def distance_km(a: str, b: str) -> float | None:
    """Great-circle distance between two countries' reference cities; None when either is unknown."""
    if a not in COUNTRIES or b not in COUNTRIES:
        return None
    (lat1, lon1), (lat2, lon2) = (map(math.radians, COUNTRIES[c]) for c in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@lru_cache(maxsize=256)
def country_name(code: str | None) -> str:
    """The everyday English name of an ISO country code ("BR" -> "Brazil"); the code itself when it is unknown."""
    found = pycountry.countries.get(alpha_2=(code or "").upper()) if code else None
    return (getattr(found, "common_name", None) or found.name) if found else (code or "an unknown country")
