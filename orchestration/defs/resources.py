"""Resources shared by every domain. Built from warehouse.settings: swap storage by configuration, not code.

The database resource is per deployment; the tenant is the run's partition key (orchestration/lib/partitions.py).
`tenant_database(context, postgres)` is the one place an asset, check or IO manager turns its context into the
tenant's id, slug and connections."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import dagster as dg
import sqlalchemy as sa

if TYPE_CHECKING:
    from warehouse.settings import Settings


class PostgresResource(dg.ConfigurableResource):
    """The BenchCRM database. Empty `database_url` means the settings' choice (embedded unless configured)."""

    database_url: str = ""

    def _settings(self) -> Settings:
        from warehouse.settings import Settings, get_settings

        return Settings(database_url=self.database_url) if self.database_url else get_settings()

    def admin_engine(self) -> sa.Engine:
        from warehouse.db import admin_engine

        return admin_engine(self._settings())

    def server_engines(self) -> list[tuple[sa.Engine, sa.Engine]]:
        """(owner, application) engines of every placement server, the primary first: for sweeps across tenants."""
        from warehouse.placement import get_router

        router = get_router(self._settings())
        return [(router.admin_engine(name), router.app_engine(name)) for name in router.names]

    def tenant_slugs(self) -> list[str]:
        """Every tenant's slug, on every placement server (a tenant being moved is listed once)."""
        from warehouse.repositories.tenants import tenant_slugs

        slugs: set[str] = set()
        for admin, _ in self.server_engines():
            with admin.connect() as conn:
                slugs.update(tenant_slugs(conn))
        return sorted(slugs)

    def tenant_id(self, tenant: str) -> uuid.UUID:
        """The id of tenant `tenant` (a slug) on whichever server it is placed; a Dagster Failure naming it when
        there is no such tenant."""
        from warehouse.placement import PlacementError, resolve_slug

        try:
            return resolve_slug(self._settings(), tenant)[0]
        except PlacementError:
            raise dg.Failure(
                f"tenant {tenant!r} does not exist (never created, or deleted): nothing to do for partition "
                f"{tenant!r}. Create it with `benchcrm tenant create {tenant}`; tenant_partitions_sensor removes "
                "partitions of deleted tenants.",
                allow_retries=False) from None

    def engines_for(self, tenant_id: uuid.UUID) -> tuple[sa.Engine, sa.Engine]:
        """(owner, application) engines of the server the tenant is placed on (warehouse/placement.py); a Failure
        while the tenant is being moved."""
        from warehouse.placement import TenantMoving, admin_engine_for_tenant, engine_for_tenant

        try:
            settings = self._settings()
            return admin_engine_for_tenant(settings, tenant_id), engine_for_tenant(settings, tenant_id)
        except TenantMoving as exc:
            raise dg.Failure(str(exc)) from None

    @contextmanager
    def tenant_tx(self, tenant: str) -> Iterator[sa.Connection]:
        """One transaction as the application role, scoped to tenant `tenant` (RLS applies)."""
        with self.for_tenant(tenant).tenant_tx() as conn:
            yield conn

    def for_tenant(self, tenant: str) -> TenantDatabase:
        return TenantDatabase(postgres=self, tenant_slug=tenant)


@dataclass
class TenantDatabase:
    """One tenant's view of the database: its slug, id (looked up once) and RLS-scoped transactions."""

    postgres: PostgresResource
    tenant_slug: str
    _id: uuid.UUID | None = field(default=None, repr=False)

    def tenant_id(self) -> uuid.UUID:
        if self._id is None:
            self._id = self.postgres.tenant_id(self.tenant_slug)
        return self._id

    @contextmanager
    def tenant_tx(self) -> Iterator[sa.Connection]:
        from warehouse.db import tenant_tx

        with tenant_tx(self.tenant_id(), self.app_engine()) as conn:
            yield conn

    def _settings(self) -> Settings:
        return self.postgres._settings()

    def admin_engine(self) -> sa.Engine:
        """The owner engine of the tenant's own server."""
        return self.postgres.engines_for(self.tenant_id())[0]

    def app_engine(self) -> sa.Engine:
        """The application engine of the tenant's own server."""
        return self.postgres.engines_for(self.tenant_id())[1]


def tenant_slug_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext | dg.OpExecutionContext) -> str:
    """The tenant a step works for: its partition key. Unpartitioned runs name no tenant: a clear Failure."""
    if not context.has_partition_key:
        raise dg.Failure("this asset is partitioned by tenant: launch it for a tenant partition "
                         "(`partition_key=<tenant slug>`, or pick the tenant in the UI)", allow_retries=False)
    return context.partition_key


def tenant_database(context, postgres: PostgresResource) -> TenantDatabase:
    """The run's tenant (its partition key) as a TenantDatabase; fails clearly if the tenant does not exist."""
    database = postgres.for_tenant(tenant_slug_of(context))
    database.tenant_id()  # fail before any work, with the tenant's name, not a SQL traceback later
    return database


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"postgres": PostgresResource()})
