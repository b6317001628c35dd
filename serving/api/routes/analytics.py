"""Tenant dashboard KPIs from the dbt marts."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, in_one_call, require
from serving.errors import ProblemError, problem_responses
from serving.schemas.admin import KpiQuery, KpisPublic

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


@router.get("/kpis", name="kpis", response_model=KpisPublic, summary="Pipeline KPIs per period",
            responses=problem_responses(401, 403, 422, 429, 503),
            openapi_extra={"x-required-permission": "analytics:read"})
@in_one_call
def kpis(principal: Annotated[Principal, Depends(require("analytics", "read"))], conn: Connection,
         query: Annotated[KpiQuery, Query()]) -> Any:
    # default window: the last 12 weeks up to now (the marts helper always gets both ends)
    date_to = query.to or datetime.now(UTC)
    date_from = query.from_ or (date_to - timedelta(weeks=12))
    if date_from > date_to:
        raise ProblemError(422, "invalid-range", "Unprocessable Content", "`from` is after `to`")
    from warehouse.repositories.kpis import MartsNotBuilt
    from warehouse.repositories.kpis import kpis as kpi_rows

    try:
        rows = kpi_rows(conn, date_from=date_from.date(), date_to=date_to.date(), grain=query.grain)
    except ValueError as exc:
        raise ProblemError(422, "invalid-range", "Unprocessable Content", str(exc)) from exc
    except MartsNotBuilt as exc:
        raise ProblemError(503, "marts-not-built", "Service Unavailable", str(exc)) from exc
    return {"grain": query.grain, "from": date_from, "to": date_to, "data": rows}
