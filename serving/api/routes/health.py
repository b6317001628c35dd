"""Liveness, readiness (database): no authentication. Prometheus metrics: the metrics token or loopback only."""

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from serving.errors import problem_responses
from serving.http_security import require_metrics_access

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz", summary="The process is up",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="readyz", summary="The database answers",
            responses={200: {"content": {"application/json": {"example": {"status": "ready", "database": "ok"}}}},
                       503: {"description": "Not ready", "content": {"application/json": {
                           "example": {"status": "unavailable", "database": "connection refused"}}}}})
async def readyz(request: Request) -> Any:
    def check() -> None:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("select 1"))

    try:
        await run_in_threadpool(check)
    except Exception as exc:
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc).strip() else "error"
        return JSONResponse({"status": "unavailable", "database": cause}, status_code=503)
    return {"status": "ready", "database": "ok"}


@router.get("/metrics", name="metrics", summary="Prometheus metrics (Bearer BENCHCRM_METRICS_TOKEN, or loopback)",
            response_class=Response, dependencies=[Depends(require_metrics_access)],
            responses={200: {"content": {"text/plain": {"example": "http_requests_total{...} 3.0"}}},
                       **problem_responses(401, 403)})
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
