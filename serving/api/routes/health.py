"""Liveness, readiness (database), Prometheus metrics. No authentication."""

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from warehouse.db import ping

log = logging.getLogger("serving.health")
router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz", summary="The process is up",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="readyz", summary="The database answers",
            responses={200: {"content": {"application/json": {"example": {"status": "ready", "database": "ok"}}}},
                       503: {"description": "Not ready", "content": {"application/json": {
                           "example": {"status": "unavailable", "database": "unreachable"}}}}})
async def readyz(request: Request) -> Any:
    try:
        await run_in_threadpool(ping, request.app.state.engine)
    except Exception as exc:
        # the driver's message names socket paths and hosts: logged here, not told to an unauthenticated caller
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc).strip() else "error"
        log.warning("not ready: %s", cause)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503,
                            headers={"Retry-After": "1"})
    return {"status": "ready", "database": "ok"}


@router.get("/metrics", name="metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"example": "http_requests_total{...} 3.0"}}}})
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
