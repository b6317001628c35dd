"""Normalization to shared vocabularies: skills -> taxonomy, places -> coordinates and time zones, rates -> hourly USD."""

from ml.normalize.geo import GeoPoint, geocode
from ml.normalize.rates import to_hourly_usd
from ml.normalize.skills import normalize_skill, normalize_skills

__all__ = ["GeoPoint", "geocode", "normalize_skill", "normalize_skills", "to_hourly_usd"]
