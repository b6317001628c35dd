"""Liveness, readiness (database), Prometheus metrics. No authentication."""

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz", summary="The process is up",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="readyz", summary="Warmed up and the database answers",
            responses={200: {"content": {"application/json": {"example": {
                "status": "ready", "database": "ok",
                "warmup": {"models": 2, "skills": 10412, "embedding_model": True, "seconds": 4.2}}}}},
                       503: {"description": "Not ready (still warming up, or no database)", "content": {
                           "application/json": {"example": {"status": "unavailable",
                                                            "database": "connection refused"}}}}})
async def readyz(request: Request) -> Any:
    if not request.app.state.ready:
        return JSONResponse({"status": "starting", "database": "unknown"}, status_code=503)
    def check() -> None:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("select 1"))

    try:
        await run_in_threadpool(check)
    except Exception as exc:
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc).strip() else "error"
        return JSONResponse({"status": "unavailable", "database": cause}, status_code=503)
    warmup = request.app.state.warmup
    return {"status": "ready", "database": "ok", "warmup": warmup.as_dict() if warmup is not None else None}


@router.get("/metrics", name="metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"example": "http_requests_total{...} 3.0"}}}})
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
