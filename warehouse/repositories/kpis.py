"""Dashboard KPIs read from the dbt marts (`marts.kpi_tenant_period`).

Run on a tenant-scoped connection as the application role (`warehouse.db.tenant_tx`): the marts carry the same
`tenant_isolation` RLS policy as the crm tables, so this module never filters on tenant itself.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args

import sqlalchemy as sa

Grain = Literal["day", "week", "month"]
GRAINS: tuple[str, ...] = get_args(Grain)
KPI_TABLE = "marts.kpi_tenant_period"
MAX_PERIODS = 1000  # a year of days with room; bounds the response size


class MartsNotBuilt(RuntimeError):
    """The marts do not exist yet (dbt has not run on this database)."""


# The dashboard columns in their display order; the API returns exactly these keys.
KPI_COLUMNS: tuple[str, ...] = (
    "period_start", "period_end",
    "requirements_ingested", "submissions", "interviews", "offers", "placements",
    "cohort_submissions", "submission_to_interview_rate", "interview_to_offer_rate", "offer_to_placement_rate",
    "submission_to_placement_rate", "median_days_submitted_to_interview", "median_days_interview_to_offer",
    "median_days_offer_to_placement",
    "recommendations_shown", "recommendations_reviewed", "recommendations_approved", "approval_rate",
    "requirements_recommended", "median_minutes_to_first_recommendation", "first_recommendation_on_time_rate",
    "top5_eligible_submissions", "top5_hits", "top5_hit_rate",
    "placements_with_rates", "placements_missing_rate", "revenue_usd", "margin_usd", "bench_cost_usd",
    "calibration_predictions", "brier_score",
)

_SQL = sa.text(
    f"select {', '.join(KPI_COLUMNS)} from {KPI_TABLE} "
    "where period_grain = :grain and period_start >= date_trunc(:grain, CAST(:date_from AS date))::date "
    "and period_start <= :date_to order by period_start"
)


def _plain(value: Any) -> Any:
    # Decimals become floats so the rows serialize as JSON numbers; NULL stays None ("no denominator").
    return float(value) if isinstance(value, Decimal) else value


def ensure_marts_built(conn: sa.Connection, table: str = KPI_TABLE) -> None:
    """Raise MartsNotBuilt unless `table` exists (and is visible to this role)."""
    if conn.execute(sa.text("select to_regclass(:t)"), {"t": table}).scalar() is None:
        raise MartsNotBuilt(f"{table} does not exist: run `dbt build` (refresh_marts_job) first")


def kpis(conn: sa.Connection, *, date_from: date, date_to: date, grain: Grain) -> list[dict[str, Any]]:
    """The tenant's KPI rows, one per period of `grain` overlapping [date_from, date_to], oldest first.

    Periods are dense (a quiet period has zero counts and NULL rates). Raises ValueError for a bad grain or an
    inverted or too long range, MartsNotBuilt when dbt has never built the marts on this database.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    if date_from > date_to:
        raise ValueError(f"date_from ({date_from}) is after date_to ({date_to})")
    span_days = (date_to - date_from).days + 1
    periods = {"day": span_days, "week": span_days / 7, "month": span_days / 28}[grain]
    if periods > MAX_PERIODS:
        raise ValueError(f"{grain} range too long: at most {MAX_PERIODS} periods")
    ensure_marts_built(conn)
    rows = conn.execute(_SQL, {"grain": grain, "date_from": date_from, "date_to": date_to}).mappings()
    return [{key: _plain(value) for key, value in row.items()} for row in rows]
