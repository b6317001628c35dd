"""Resources shared by every domain. Built from warehouse.settings: swap storage by configuration, not code."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as sa


class PostgresResource(dg.ConfigurableResource):
    """The BenchCRM database. Empty `database_url` means the settings' choice (embedded unless configured)."""

    database_url: str = ""
    tenant_slug: str = "acme"

    def _settings(self):
        from warehouse.settings import Settings, get_settings

        return Settings(database_url=self.database_url) if self.database_url else get_settings()

    def admin_engine(self) -> sa.Engine:
        from warehouse.db import admin_engine

        return admin_engine(self._settings())

    def app_engine(self) -> sa.Engine:
        """The application engine of the server the tenant is placed on (warehouse/placement.py)."""
        from warehouse.placement import TenantMoving, engine_for_tenant

        try:
            return engine_for_tenant(self._settings(), self.tenant_id())
        except TenantMoving as exc:
            raise dg.Failure(str(exc)) from None

    def server_engines(self) -> list[tuple[sa.Engine, sa.Engine]]:
        """(owner, application) engines of every placement server, the primary first: for sweeps across tenants."""
        from warehouse.placement import get_router

        router = get_router(self._settings())
        return [(router.admin_engine(name), router.app_engine(name)) for name in router.names]

    def tenant_id(self) -> uuid.UUID:
        from warehouse.placement import PlacementError, resolve_slug

        try:
            return resolve_slug(self._settings(), self.tenant_slug)[0]
        except PlacementError:
            raise dg.Failure(f"tenant {self.tenant_slug!r} does not exist; run `benchcrm seed` first") from None

    @contextmanager
    def tenant_tx(self) -> Iterator[sa.Connection]:
        """One transaction as the application role, scoped to the configured tenant (RLS applies)."""
        from warehouse.db import tenant_tx

        with tenant_tx(self.tenant_id(), self.app_engine()) as conn:
            yield conn


def default_postgres() -> PostgresResource:
    """The deployment's database and tenant (BENCHCRM_TENANT, default acme)."""
    return PostgresResource(tenant_slug=dg.EnvVar("BENCHCRM_TENANT").get_value("acme") or "acme")


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"postgres": default_postgres()})
