"""Pay rates to hourly USD. Annual salaries use 2080 working hours (40 h x 52 weeks), the industry convention."""

from __future__ import annotations

from typing import Literal

RateUnit = Literal["hour", "year", "month", "day"]

HOURS_PER_UNIT: dict[str, float] = {"hour": 1.0, "day": 8.0, "month": 2080.0 / 12.0, "year": 2080.0}

# Rough fixed conversion for the rare non-USD rate; good enough for ranking, stated here so nobody mistakes it for FX.
USD_PER_UNIT: dict[str, float] = {"USD": 1.0, "CAD": 0.73, "EUR": 1.08, "GBP": 1.27, "INR": 0.012}


def to_hourly_usd(amount: float, unit: str, currency: str = "USD") -> float:
    """`amount` per `unit` in `currency` -> USD per hour, rounded to cents. Raises ValueError on unknown units."""
    if amount <= 0:
        raise ValueError(f"rate must be positive, got {amount}")
    try:
        hours = HOURS_PER_UNIT[unit]
    except KeyError:
        raise ValueError(f"unknown rate unit {unit!r}; expected one of {sorted(HOURS_PER_UNIT)}") from None
    try:
        fx = USD_PER_UNIT[currency.upper()]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}") from None
    return round(amount * fx / hours, 2)
