"""Resources shared by every domain. Built from warehouse.settings: swap storage by configuration, not code.

The database resource is per deployment; the tenant is the run's partition key (orchestration/lib/partitions.py).
`tenant_database(context, postgres)` is the one place an asset, check or IO manager turns its context into the
tenant's id, slug and connections, on the server the tenant is placed on (warehouse/placement.py)."""

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
        """The primary server's owner engine (the tenant directory lives there)."""
        from warehouse.db import admin_engine

        return admin_engine(self._settings())

    def app_engine(self, tenant: str) -> sa.Engine:
        """The application engine of the server tenant `tenant` (a slug) is placed on (warehouse/placement.py)."""
        return self.for_tenant(tenant).app_engine()

    def server_engines(self) -> list[tuple[sa.Engine, sa.Engine]]:
        """(owner, application) engines of every placement server, the primary first: for sweeps across tenants."""
        from warehouse.placement import get_router

        router = get_router(self._settings())
        return [(router.admin_engine(name), router.app_engine(name)) for name in router.names]

    def tenant_id(self, tenant: str) -> uuid.UUID:
        """The id of tenant `tenant` (a slug), wherever it is placed; a Dagster Failure naming it when there is no
        such tenant."""
        from warehouse.placement import PlacementError, resolve_slug

        try:
            return resolve_slug(self._settings(), tenant)[0]
        except PlacementError:
            raise dg.Failure(
                f"tenant {tenant!r} does not exist (never created, or deleted): nothing to do for partition "
                f"{tenant!r}. Create it with `benchcrm tenant create {tenant}`; tenant_partitions_sensor removes "
                "partitions of deleted tenants.",
                allow_retries=False) from None

    @contextmanager
    def tenant_tx(self, tenant: str) -> Iterator[sa.Connection]:
        """One transaction as the application role on the tenant's server, scoped to it (RLS applies)."""
        with self.for_tenant(tenant).tenant_tx() as conn:
            yield conn

    def for_tenant(self, tenant: str) -> TenantDatabase:
        return TenantDatabase(postgres=self, tenant_slug=tenant)


@dataclass
class TenantDatabase:
    """One tenant's view of the database: its slug, id (looked up once), its server's engines and RLS-scoped
    transactions."""

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
        """The owner engine of the tenant's server."""
        from warehouse.placement import TenantMoving, admin_engine_for_tenant

        try:
            return admin_engine_for_tenant(self._settings(), self.tenant_id())
        except TenantMoving as exc:
            raise dg.Failure(str(exc)) from None

    def app_engine(self) -> sa.Engine:
        """The application engine of the tenant's server; a Failure (retried later) while the tenant moves."""
        from warehouse.placement import TenantMoving, engine_for_tenant

        try:
            return engine_for_tenant(self._settings(), self.tenant_id())
        except TenantMoving as exc:
            raise dg.Failure(str(exc)) from None


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
