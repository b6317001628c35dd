"""Plausible dates: the one definition every door uses (API schemas, email and resume ingestion; dbt bounds its
period spine with the same window, see dbt_project.yml `kpi_*` vars).

One absurd date (a placement starting 9999-12-31) once grew a tenant's KPI spine to the year 9999 and broke every
tenant's export. So a date BenchCRM stores must be:
- on or after 1970-01-01, and
- for a future-facing date (a start date, an interview, availability): at most `FUTURE_YEARS` years from today;
- for a past fact (an offer made, an activity that happened, an email received, bench since): not after today
  (one day of slack for time zones and clock skew).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar

EARLIEST = dt.date(1970, 1, 1)
FUTURE_YEARS = 10
PAST_SLACK = dt.timedelta(days=1)

Kind = Literal["future", "past"]
_D = TypeVar("_D", dt.date, dt.datetime)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def latest(kind: Kind, today: dt.date | None = None) -> dt.date:
    today = today or dt.datetime.now(dt.UTC).date()
    return _add_years(today, FUTURE_YEARS) if kind == "future" else today + PAST_SLACK


def date_problem(value: dt.date | dt.datetime, kind: Kind, *, today: dt.date | None = None) -> str | None:
    """Why `value` is not a plausible date of this kind (None when it is). Datetimes are judged by their UTC day."""
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo is None else value.astimezone(dt.UTC)).date()
    last = latest(kind, today)
    if EARLIEST <= value <= last:
        return None
    if kind == "past" and value > last:
        return f"{value.isoformat()} is in the future"
    return f"{value.isoformat()} is outside {EARLIEST.isoformat()}..{last.isoformat()}"


def plausible(value: _D | None, kind: Kind, *, today: dt.date | None = None) -> _D | None:
    """`value` when plausible, else None (unknown)."""
    return value if value is not None and date_problem(value, kind, today=today) is None else None
