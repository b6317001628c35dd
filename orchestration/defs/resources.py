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

    def app_engine(self) -> sa.Engine:
        from warehouse.db import app_engine

        return app_engine(self._settings())

    def tenant_id(self, tenant: str) -> uuid.UUID:
        """The id of tenant `tenant` (a slug); a Dagster Failure naming it when there is no such tenant."""
        from warehouse.repositories.tenants import tenant_id_for

        with self.admin_engine().connect() as conn:
            found = tenant_id_for(conn, tenant)
        if found is None:
            raise dg.Failure(
                f"tenant {tenant!r} does not exist (never created, or deleted): nothing to do for partition "
                f"{tenant!r}. Create it with `benchcrm tenant create {tenant}`; tenant_partitions_sensor removes "
                "partitions of deleted tenants.",
                allow_retries=False)
        return found

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
        return self.postgres.admin_engine()

    def app_engine(self) -> sa.Engine:
        return self.postgres.app_engine()


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
