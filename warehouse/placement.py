"""Tenant placement: which Postgres server holds a tenant's rows, and the one way code reaches that server.

Servers are named in `BENCHCRM_DATABASE_SERVERS` ("primary=<url>,eu=<url>"; the url `embedded` is a pgserver in
`<data_dir>/servers/<name>/pgdata`). `primary` is today's database (embedded, or `BENCHCRM_DATABASE_URL`) unless it
is listed; it holds the tenant directory (`app.tenant_placement`, migration 0029). A tenant with no directory row
lives on the primary. Every server runs the same migrations and has the same schema; a tenant's rows are on exactly
one of them (docs/adr/0025).

`TenantRouter` is what the API and Dagster call: one engine per server (built once, so a stopped server is not
restarted behind anyone's back), and the directory lookup cached for `tenant_cache_seconds`.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Re-exported: callers need only this module.
from warehouse.server_list import EMBEDDED, PRIMARY, PlacementError, parse_servers  # noqa: F401
from warehouse.settings import Settings

# What a request for a tenant that is being moved is told: retry after this many seconds.
MOVE_RETRY_AFTER_SECONDS = 30


class TenantMoving(RuntimeError):
    """The tenant is being moved between servers: its requests are refused until the move finishes."""

    def __init__(self, tenant_id: uuid.UUID, target: str) -> None:
        super().__init__(f"tenant {tenant_id} is moving to server {target!r}; retry in a moment")
        self.tenant_id, self.target = tenant_id, target


def server_names(settings: Settings) -> tuple[str, ...]:
    """Every configured server, the primary first."""
    listed = parse_servers(settings.database_servers)
    return (PRIMARY, *(name for name in listed if name != PRIMARY))


def server_settings(settings: Settings, name: str) -> Settings:
    """The settings with server `name` as their database: everything built from them (engines, dbt's env,
    prepare_database) then reaches that server."""
    listed = parse_servers(settings.database_servers)
    if name == PRIMARY and PRIMARY not in listed:
        return settings
    if name not in listed:
        raise PlacementError(f"unknown database server {name!r} (configured: {', '.join(server_names(settings))})")
    url = listed[name]
    if url is not None:
        return settings.model_copy(update={"database_url": url, "embedded_pg_data": None})
    folder = None if name == PRIMARY else settings.data_dir / "servers" / name / "pgdata"
    return settings.model_copy(update={"database_url": None, "embedded_pg_data": folder})


@dataclass(frozen=True)
class Placement:
    tenant_id: uuid.UUID
    server: str
    moving_to: str | None = None


# --- the directory (owner connection on the primary) ------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryRow:
    tenant_id: uuid.UUID
    slug: str
    server: str
    moving_to: str | None
    move_step: str | None
    cleanup_on: str | None


def directory_row(conn: sa.Connection, slug: str) -> DirectoryRow | None:
    row = conn.execute(sa.text(
        "select tenant_id, slug, server, moving_to, move_step, cleanup_on from app.tenant_placement where slug = :s"),
        {"s": slug}).one_or_none()
    return DirectoryRow(*row) if row else None


def record_placement(conn: sa.Connection, *, tenant_id: uuid.UUID, slug: str, server: str) -> None:
    conn.execute(sa.text("insert into app.tenant_placement (tenant_id, slug, server) values (:t, :s, :v) "
                         "on conflict (tenant_id) do update set server = excluded.server, updated_at = now()"),
                 {"t": tenant_id, "s": slug, "v": server})


def update_directory(conn: sa.Connection, tenant_id: uuid.UUID, **values: str | None) -> None:
    sets = ", ".join(f"{column} = :{column}" for column in values)
    conn.execute(sa.text(f"update app.tenant_placement set {sets}, updated_at = now() where tenant_id = :tenant_id"),
                 {**values, "tenant_id": tenant_id})


def resolve_slug(settings: Settings, slug: str) -> tuple[uuid.UUID, str]:
    """(tenant id, server) of the tenant `slug`, wherever it lives; PlacementError if it exists nowhere."""
    from warehouse.db import admin_engine

    with admin_engine(settings).connect() as conn:
        row = directory_row(conn, slug)
        if row is not None:
            return row.tenant_id, row.server
        found = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()
    if found is None:
        raise PlacementError(f"tenant {slug!r} does not exist on any server")
    return found, PRIMARY


def create_placed_tenant(settings: Settings, *, slug: str, name: str | None = None,
                         server: str = PRIMARY) -> uuid.UUID:
    """Create the tenant `slug` on `server` and record it in the directory. The directory row is inserted first
    (its unique slug is the lock) and committed last, so a failure leaves at worst an unreachable tenant row."""
    from warehouse.db import admin_engine
    from warehouse.repositories.tenants import TenantExists, ensure_tenant

    target = server_settings(settings, server)  # PlacementError for an unknown server
    with admin_engine(settings).begin() as primary:
        taken = directory_row(primary, slug) or primary.execute(
            sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()
        if taken:
            raise TenantExists(f"tenant {slug!r} already exists")
        tenant_id = uuid.uuid4()
        record_placement(primary, tenant_id=tenant_id, slug=slug, server=server)
        if server == PRIMARY:
            ensure_tenant(primary, slug=slug, name=name, tenant_id=tenant_id)
        else:
            with admin_engine(target).begin() as conn:
                if conn.execute(sa.text("select 1 from crm.tenant where slug = :s"), {"s": slug}).scalar():
                    raise TenantExists(f"tenant {slug!r} already exists on server {server!r}")
                ensure_tenant(conn, slug=slug, name=name, tenant_id=tenant_id)
    return tenant_id


# --- routing --------------------------------------------------------------------------------------------------


class TenantRouter:
    """Per process: the engines of every server and a short cache of the directory. `primary_app_engine` lets a
    caller (tests, the API's `create_app(engine=…)`) supply the primary's application engine."""

    def __init__(self, settings: Settings, *, primary_app_engine: Engine | None = None,
                 ttl: float | None = None) -> None:
        self.settings = settings
        self.names = server_names(settings)
        self.ttl = settings.tenant_cache_seconds if ttl is None else ttl
        self._lock = threading.Lock()
        self._app: dict[str, Engine] = {PRIMARY: primary_app_engine} if primary_app_engine is not None else {}
        self._admin: dict[str, Engine] = {}
        self._placements: dict[uuid.UUID, tuple[Placement, float]] = {}

    def _build(self, cache: dict[str, Engine], name: str, factory: str) -> Engine:
        with self._lock:
            engine = cache.get(name)
        if engine is not None:
            return engine
        from warehouse import db

        engine = getattr(db, factory)(server_settings(self.settings, name))
        with self._lock:
            return cache.setdefault(name, engine)

    def app_engine(self, server: str = PRIMARY) -> Engine:
        """The application role's engine on `server`."""
        if server not in self.names:
            raise PlacementError(f"unknown database server {server!r}")
        return self._build(self._app, server, "app_engine")

    def admin_engine(self, server: str = PRIMARY) -> Engine:
        if server not in self.names:
            raise PlacementError(f"unknown database server {server!r}")
        return self._build(self._admin, server, "admin_engine")

    def app_engines(self) -> dict[str, Engine]:
        return {name: self.app_engine(name) for name in self.names}

    def cached_placement(self, tenant_id: uuid.UUID) -> Placement | None:
        """Where the tenant lives, if known without asking the database (always, with one server)."""
        if len(self.names) == 1:
            return Placement(tenant_id, PRIMARY)  # one server: nothing to ask
        with self._lock:
            hit = self._placements.get(tenant_id)
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def placement(self, tenant_id: uuid.UUID) -> Placement:
        """Where the tenant lives (asked of the primary as the application role, scoped to that tenant)."""
        hit = self.cached_placement(tenant_id)
        if hit is not None:
            return hit
        now = time.monotonic()
        from warehouse.db import set_tenant

        with self.app_engine(PRIMARY).begin() as conn:
            set_tenant(conn, tenant_id)
            row = conn.execute(sa.text("select server, moving_to from app.tenant_placement()")).one_or_none()
        found = Placement(tenant_id, row[0], row[1]) if row else Placement(tenant_id, PRIMARY)
        with self._lock:
            self._placements[tenant_id] = (found, now + self.ttl)
            if len(self._placements) > 100_000:
                self._placements.clear()
        return found

    @staticmethod
    def serving_server(placement: Placement) -> str:
        """The server the tenant's requests go to now; TenantMoving while a move runs."""
        if placement.moving_to is not None:
            raise TenantMoving(placement.tenant_id, placement.moving_to)
        return placement.server

    def engine_for_tenant(self, tenant_id: uuid.UUID) -> Engine:
        """The application engine of the tenant's server; TenantMoving while a move runs."""
        return self.app_engine(self.serving_server(self.placement(tenant_id)))

    def admin_engine_for_tenant(self, tenant_id: uuid.UUID) -> Engine:
        return self.admin_engine(self.serving_server(self.placement(tenant_id)))

    def forget(self, tenant_id: uuid.UUID | None = None) -> None:
        with self._lock:
            if tenant_id is None:
                self._placements.clear()
            else:
                self._placements.pop(tenant_id, None)


_routers: dict[tuple, TenantRouter] = {}
_routers_lock = threading.Lock()


def get_router(settings: Settings) -> TenantRouter:
    """One router per server configuration in this process (Dagster steps, the CLI)."""
    key = (settings.database_servers, settings.database_url, str(settings.data_dir), str(settings.pg_data_dir),
           settings.app_db_role, settings.tenant_cache_seconds)
    with _routers_lock:
        router = _routers.get(key)
        if router is None:
            router = _routers[key] = TenantRouter(settings)
        return router


def engine_for_tenant(settings: Settings, tenant_id: uuid.UUID) -> Engine:
    """The application engine of the server holding `tenant_id` (TenantMoving while it moves)."""
    return get_router(settings).engine_for_tenant(tenant_id)


def admin_engine_for_tenant(settings: Settings, tenant_id: uuid.UUID) -> Engine:
    return get_router(settings).admin_engine_for_tenant(tenant_id)


def all_tenant_slugs(settings: Settings) -> list[str]:
    """Every tenant's slug, wherever it lives: the directory's (placed tenants) and the primary's own rows (tenants
    seeded or created before the directory). What the Dagster tenant partitions mirror."""
    from warehouse.db import admin_engine
    from warehouse.repositories.tenants import tenant_slugs

    with admin_engine(settings).connect() as conn:
        placed = conn.execute(sa.text("select slug from app.tenant_placement")).scalars().all()
        own = tenant_slugs(conn)
    return sorted({*placed, *own})
