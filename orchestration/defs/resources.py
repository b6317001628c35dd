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
        from warehouse.db import app_engine

        return app_engine(self._settings())

    def tenant_id(self) -> uuid.UUID:
        from warehouse.repositories.tenants import tenant_id_for

        with self.admin_engine().connect() as conn:
            found = tenant_id_for(conn, self.tenant_slug)
        if found is None:
            raise dg.Failure(f"tenant {self.tenant_slug!r} does not exist; run `benchcrm seed` first")
        return found

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
