"""Distances and time zones."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

EARTH_RADIUS_MI = 3958.8
_ABBREVIATIONS = {
    "est": -5.0, "edt": -5.0, "et": -5.0, "eastern": -5.0, "cst": -6.0, "cdt": -6.0, "ct": -6.0, "central": -6.0,
    "mst": -7.0, "mdt": -7.0, "mt": -7.0, "mountain": -7.0, "pst": -8.0, "pdt": -8.0, "pt": -8.0, "pacific": -8.0,
    "akst": -9.0, "hst": -10.0, "utc": 0.0, "gmt": 0.0,
}


def haversine_mi(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in miles; NaN where any coordinate is unknown."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MI * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@lru_cache(maxsize=512)
def tz_offset_hours(name: str | None) -> float:
    """Standard-time UTC offset of an IANA zone or a US abbreviation ("EST"); NaN when unknown."""
    if not name:
        return float("nan")
    key = name.strip().lower()
    if key in _ABBREVIATIONS:
        return _ABBREVIATIONS[key]
    try:
        offset = datetime(2025, 1, 15, 12, tzinfo=ZoneInfo(name.strip())).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, KeyError):
        return float("nan")
    return offset.total_seconds() / 3600 if offset is not None else float("nan")


def tz_offsets(names: list[str | None], lon: np.ndarray) -> np.ndarray:
    """Offsets per row; falls back to the longitude's solar zone (lon/15) when the zone name is unknown."""
    out = np.array([tz_offset_hours(n) for n in names], dtype=np.float64)
    guess = np.round(lon / 15.0)
    return np.where(np.isnan(out), guess, out)
