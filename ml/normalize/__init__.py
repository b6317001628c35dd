"""Normalization to shared vocabularies: skills -> taxonomy, places -> coordinates and time zones, rates -> hourly USD."""

from ml.normalize.geo import GeoPoint, geocode
from ml.normalize.rates import to_hourly_usd
from ml.normalize.skills import normalize_skill

__all__ = ["GeoPoint", "geocode", "normalize_skill", "to_hourly_usd"]
