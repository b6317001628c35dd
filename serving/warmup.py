"""Warm start: everything the first requests would otherwise pay for, loaded in the lifespan before the server
accepts connections (uvicorn binds the port, or a worker starts accepting on the shared socket, only after the
lifespan's startup). `/readyz` answers 503 until it has finished and then reports what was loaded."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.placement import PlacementError, TenantMoving

log = logging.getLogger(__name__)

RECENT_RANKINGS = 100_000  # the busiest tenants are those with the most of each server's newest rankings


@dataclass(frozen=True)
class CacheWarmup:
    tenants: int     # tenants whose ranking caches were filled (the busiest of the newest rankings first)
    rankings: int    # anchors ranked to fill them (nothing stored)
    records: int     # matchable records read into the ranking cache after that
    complete: bool   # False: `warm_cache_seconds` ran out first
    seconds: float


@dataclass(frozen=True)
class WarmupReport:
    models: int            # tenant champions (and the prior) held in memory
    skills: int            # rows of the skill graph the ranking reads
    embedding_model: bool  # the sentence-embedding model has encoded once
    seconds: float
    caches: CacheWarmup | None = None  # filled after the change listeners connected (`warm_caches`)

    def as_dict(self) -> dict[str, Any]:
        """What `/readyz` tells anyone who asks: how far the caches got, not how many of a tenant's rows they hold
        (that goes to the log)."""
        report = asdict(self)
        if self.caches is not None:
            report["caches"] = {k: report["caches"][k] for k in ("tenants", "complete", "seconds")}
        return report


def warm_start(engine: Engine, models: Any | None, *, load_model: bool) -> WarmupReport:
    started = time.perf_counter()
    from ml.matching import service  # noqa: F401  the ranking stack's imports (numpy, lightgbm, features)
    from ml.matching.loaders import load_skill_graph

    with engine.connect() as conn:
        skills = len(load_skill_graph(conn).ids)
    loaded = models.preload() if models is not None else 0
    if load_model:
        from ml.ingest.service import warm_up

        warm_up()  # the embedding model, loaded once here instead of on the first import request
    report = WarmupReport(models=loaded, skills=skills, embedding_model=load_model,
                          seconds=round(time.perf_counter() - started, 3))
    log.info("warm start finished", extra={"warmup": report.as_dict()})
    return report


def warm_caches(router: Any, cache: Any, text_index: Any, models: Any | None, *, tenants: int, anchors: int,
                budget_s: float, recent: int = RECENT_RANKINGS) -> CacheWarmup:
    """The busiest tenants' ranking caches and text postings, filled before the worker accepts (`ml.matching.warm`,
    docs/adr/0040). Call once the change listeners have connected: connecting clears the caches. Each server's
    owner names its busiest tenants by their share of its `recent` newest rankings (a cross-tenant read); each
    tenant is warmed as the application role under RLS. Best effort: a database error stops the warm start (logged,
    `complete` false), never the worker's start."""
    from ml.matching.warm import warm_tenant
    from warehouse.db import set_statement_timeout, tenant_tx
    from warehouse.repositories.recommendations import busiest_tenants

    started = time.monotonic()
    deadline = started + budget_s
    if tenants <= 0 or budget_s <= 0 or not cache.enabled:
        return CacheWarmup(0, 0, 0, complete=tenants <= 0, seconds=0.0)
    warmed, rankings, records, complete = 0, 0, 0, True
    try:
        ranked: list[tuple[int, uuid.UUID]] = []
        for name in router.names:
            with router.admin_engine(name).connect() as conn:
                set_statement_timeout(conn, int(max(budget_s, 1) * 1000))
                ranked += [(runs, tenant) for tenant, runs in busiest_tenants(conn, recent=recent, limit=tenants)]
        for _, tenant in sorted(ranked, key=lambda pair: -pair[0])[:tenants]:
            if time.monotonic() >= deadline:
                complete = False
                break
            model = models.or_seed_formula(tenant) if models is not None else None  # as a request ranks
            try:
                engine = router.engine_for_tenant(tenant)
            except TenantMoving:  # its rows are on their way elsewhere: requests are refused until it lands
                continue
            with tenant_tx(tenant, engine) as conn:
                result = warm_tenant(conn, tenant, cache=cache, text_index=text_index, model=model,
                                     anchors=anchors, deadline=deadline)
            warmed, rankings, records = warmed + 1, rankings + result.rankings, records + result.records
            complete = complete and result.complete
    except (sa.exc.SQLAlchemyError, PlacementError) as exc:  # the caches fill on the first requests instead
        log.warning("warm start of the ranking caches stopped: %s", str(exc).splitlines()[0])
        complete = False
    report = CacheWarmup(warmed, rankings, records, complete, round(time.monotonic() - started, 3))
    log.info("ranking caches warmed", extra={"caches": asdict(report)})
    return report
