"""The BenchCRM HTTP API: `create_app()` builds it; the lifespan opens the application-role engine, loads the role
permissions and the champion model once, and (optionally) runs the webhook dispatcher beside the server."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.engine import Engine

from ml.matching.tenant_cache import TenantCache
from ml.matching.text_index import TextIndex
from serving.auth.tenants import TenantDirectory
from serving.auth.tokens import TokenVerifier
from serving.errors import Problem, install_problem_handlers
from serving.gc_tuning import freeze_long_lived, stop_freezing
from serving.http_security import SecurityHeadersMiddleware
from serving.observability import BodySizeLimitMiddleware, Metrics, RequestContextMiddleware
from serving.ratelimit import SharedRateLimiter, budgets_from_settings
from serving.warmup import warm_caches, warm_start
from serving.webhooks.urlguard import WebhookPolicy, system_resolver
from warehouse.db import tenant_tx
from warehouse.loop_connections import LoopConnections
from warehouse.settings import Settings, get_settings

log = logging.getLogger("serving.main")

DOCS_ASSETS_URL = "/static-docs"
LISTENER_CONNECT_WAIT_SECONDS = 10.0
READS_PER_LOOP = 8  # connections a worker's event loop opens per server for read routes (deps.read_once)

DESCRIPTION = """AI-first CRM for IT bench sales.

Authenticate with `Authorization: Bearer <token>` (RS256; `benchcrm token --tenant acme --role Recruiter` prints a
development token). The tenant comes from the token only. Errors are RFC 9457 `application/problem+json`.
Lists are cursor-paginated (`cursor`, `limit`), filterable and searchable (`q`). POSTs accept `Idempotency-Key`;
PATCH/DELETE accept `If-Match` with the record's ETag (412 when stale). Each operation lists the permission it needs
in `x-required-permission`.
"""


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _tenant_models(settings: Settings) -> Any:
    from ml.matching.champion import TenantModels

    return TenantModels(settings)


def _page_examples(components: dict[str, Any]) -> None:
    """Give every list page schema an example built from its item schema's example."""
    for schema in components.values():
        props = schema.get("properties", {})
        ref = props.get("data", {}).get("items", {}).get("$ref")
        if "examples" in schema or not ref:
            continue
        item = components.get(ref.split("/")[-1], {})
        if item.get("examples"):
            example: dict[str, Any] = {"data": [item["examples"][0]]}
            if "nextCursor" in props:
                example["nextCursor"] = "WyIyMDI2LTExLTI1VDA3OjAwOjAwKzAwOjAwIiwgIjliMmYifQ"
            schema["examples"] = [example]


def _rate_limit_counts(app: FastAPI) -> collections.Counter[str]:
    limiters = [app.state.rate_limiter, *app.state.rate_limiters.values()]
    return sum((limiter.counts for limiter in limiters if limiter is not None), collections.Counter())


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, load_model: bool = True,
               start_dispatcher: bool = False, start_snapshot_writer: bool = False) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from warehouse.db import app_engine
        from warehouse.placement import TenantRouter
        from warehouse.repositories.permissions import role_permissions

        sys.setswitchinterval(settings.api_switch_interval_ms / 1000)
        app.state.ranking_slots = asyncio.Semaphore(settings.ranking_concurrency)  # serving/api/deps.ranking_slot
        app.state.engine = engine or app_engine(settings)
        # Each tenant's requests go to its own server (warehouse/placement.py); app.state.engine is the primary's.
        app.state.router = TenantRouter(settings, primary_app_engine=app.state.engine)
        servers = list(app.state.router.names)
        with app.state.engine.connect() as conn:
            app.state.permissions = role_permissions(conn)
        # serving/api/deps.read_once: a read route's statement, awaited on the event loop (docs/adr/0039)
        app.state.read_connections = {name: LoopConnections(app.state.router.app_engine(name), READS_PER_LOOP)
                                      for name in servers}
        app.state.rate_limiter = SharedRateLimiter(app.state.engine, budgets_from_settings(settings))
        app.state.rate_limiters = {name: SharedRateLimiter(app.state.router.app_engine(name),
                                                           budgets_from_settings(settings)) for name in servers[1:]}
        # Each tenant is ranked by its own champion, else the prior (ml.matching.champion), loaded on first use.
        app.state.models = _tenant_models(settings) if load_model else None
        app.state.verifier.preload()  # the development key, read before the first request (docs/adr/0026)
        app.state.warmup = warm_start(app.state.engine, app.state.models, load_model=load_model)
        stop = threading.Event()
        workers: list[threading.Thread] = []
        if start_dispatcher:  # one per placement server: each sees its own tenants' outboxes
            from serving.webhooks.dispatcher import run_dispatcher
            from warehouse.placement import server_settings

            for name in servers:
                workers.append(threading.Thread(target=run_dispatcher, args=(server_settings(settings, name), stop),
                                                name=f"webhook-dispatcher-{name}", daemon=True))
                workers[-1].start()
        writer = None
        if start_snapshot_writer:  # queued feature snapshots -> crm.feature_snapshot (serving/snapshot_writer.py)
            from serving.snapshot_writer import run_snapshot_writer
            from warehouse.db import admin_engine

            router = app.state.router
            others = [(router.app_engine(name), router.admin_engine(name)) for name in servers[1:]]
            writer = threading.Thread(target=run_snapshot_writer, name="snapshot-writer", daemon=True,
                                      args=(app.state.engine, admin_engine(settings), stop),
                                      kwargs={"more": others})
            writer.start()
        listeners: list[threading.Thread] = []
        if settings.ranking_cache_enabled:  # docs/adr/0022; a listener per placement server
            from serving.change_listener import start_change_listeners

            started = start_change_listeners(list(app.state.router.app_engines().values()),
                                             app.state.ranking_cache, stop)
            app.state.change_listeners = [listener for listener, _ in started]
            app.state.change_listener = app.state.change_listeners[0]
            listeners = [thread for _, thread in started]
            # Connecting clears the caches, so they are filled after (each listener waits at most its connect
            # timeout; a listener that cannot connect leaves the cache off, and nothing is warmed).
            for listener in app.state.change_listeners:
                listener.connected.wait(timeout=LISTENER_CONNECT_WAIT_SECONDS)
            app.state.warmup = dataclasses.replace(app.state.warmup, caches=warm_caches(
                app.state.router, app.state.ranking_cache, app.state.text_index, app.state.models,
                tenants=settings.warm_cache_tenants, anchors=settings.warm_cache_anchors,
                budget_s=settings.warm_cache_seconds))
        if settings.api_gc_freeze:  # after the warm start: what it loaded is long-lived (serving/gc_tuning.py)
            freeze_long_lived()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            stop.set()
            for thread in (*workers, writer, *listeners):
                if thread is not None:
                    thread.join(timeout=10)
            app.state.rate_limiter.dispose()
            for limiter in app.state.rate_limiters.values():
                limiter.dispose()
            for connections in app.state.read_connections.values():
                connections.dispose()
            if app.state.text_index is not None:
                app.state.text_index.close()
            if settings.api_gc_freeze:
                stop_freezing()
            app.state.ranking_cache.close()

    # /docs (Swagger UI 5) and /redoc load their JS/CSS from files shipped in the fastapi-offline package, mounted
    # under DOCS_ASSETS_URL, not from a CDN: the pages work on a machine without internet.
    app = FastAPIOffline(title="BenchCRM API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                         generate_unique_id_function=_operation_id, docs_url="/docs", redoc_url="/redoc",
                         openapi_url="/openapi.json", static_url=DOCS_ASSETS_URL)
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.rate_limiter = None  # built in the lifespan, on the engine
    app.state.rate_limiters = {}  # the other placement servers' (tenants' buckets live with their rows)
    app.state.read_connections = {}  # per placement server, built in the lifespan
    app.state.tenants = TenantDirectory(settings.tenant_cache_seconds)
    app.state.webhook_policy = WebhookPolicy.from_settings(settings)
    app.state.webhook_resolver = system_resolver
    app.state.metrics = Metrics()
    app.state.metrics.watch_rate_limits(lambda: _rate_limit_counts(app))
    app.state.models = None
    app.state.permissions = {}
    app.state.ready = False  # set once the lifespan's warm start has finished (/readyz)
    app.state.warmup = None
    app.state.ranking_slots = None  # made in the lifespan, on the serving event loop
    def tenant_connection(tenant: str):  # what the caches' background reads use: the tenant's own server
        return tenant_tx(tenant, app.state.router.engine_for_tenant(uuid.UUID(tenant)))

    app.state.ranking_cache = TenantCache(max_staleness_s=settings.ranking_cache_max_staleness_seconds,
                                          max_records=settings.ranking_cache_max_records, connect=tenant_connection)
    app.state.text_index = (TextIndex(max_staleness_s=settings.text_index_max_staleness_seconds,
                                      max_postings=settings.text_index_max_postings,
                                      changes=app.state.ranking_cache, connect=tenant_connection)
                            if settings.text_index_enabled else None)
    app.state.change_listener = None
    app.state.change_listeners = []
    app.state.router = None  # built in the lifespan (warehouse/placement.py)

    install_problem_handlers(app)
    from serving.api.routes import (
        activities,
        ai,
        analytics,
        attachments,
        audit,
        companies,
        consultants,
        contacts,
        health,
        integrations,
        interviews,
        offers,
        people,
        placements,
        quarantine,
        recommendations,
        requirements,
        submissions,
        tags,
        webhooks,
    )

    for module in (health, consultants, requirements, companies, contacts, submissions, interviews, offers,
                   placements, activities, tags, attachments, recommendations, audit, webhooks, ai, integrations,
                   quarantine, analytics, people):
        app.include_router(module.router)

    # outermost first: the request id wraps everything, then the security headers, then the size limit
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes, openapi_version="3.1.0")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema()
            _page_examples(components)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
