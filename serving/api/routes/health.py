"""Liveness, readiness (database): no authentication. Prometheus metrics: the metrics token or loopback only."""

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from serving.errors import problem_responses
from serving.http_security import require_metrics_access
from warehouse.db import ping

log = logging.getLogger("serving.health")
router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz", summary="The process is up",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="readyz", summary="Warmed up and the database answers",
            responses={200: {"content": {"application/json": {"example": {
                "status": "ready", "database": "ok",
                "warmup": {"models": 2, "skills": 10412, "embedding_model": True, "seconds": 4.2,
                           "caches": {"tenants": 2, "complete": True, "seconds": 7.7}}}}}},
                       503: {"description": "Not ready (still warming up, or no database)", "content": {
                           "application/json": {"example": {"status": "unavailable", "database": "unreachable"}}}}})
async def readyz(request: Request) -> Any:
    if not request.app.state.ready:
        return JSONResponse({"status": "starting", "database": "unknown"}, status_code=503,
                            headers={"Retry-After": "1"})
    try:
        await run_in_threadpool(ping, request.app.state.engine)
    except Exception as exc:
        # the driver's message names socket paths and hosts: logged here, not told to an unauthenticated caller
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc).strip() else "error"
        log.warning("not ready: %s", cause)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503,
                            headers={"Retry-After": "1"})
    warmup = request.app.state.warmup
    return {"status": "ready", "database": "ok", "warmup": warmup.as_dict() if warmup is not None else None}


@router.get("/metrics", name="metrics", summary="Prometheus metrics (Bearer BENCHCRM_METRICS_TOKEN, or loopback)",
            response_class=Response, dependencies=[Depends(require_metrics_access)],
            responses={200: {"content": {"text/plain": {"example": "http_requests_total{...} 3.0"}}},
                       **problem_responses(401, 403)})
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
