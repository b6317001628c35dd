"""Dagster's own storage on the BenchCRM Postgres server (a separate `dagster` database on the same server)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from warehouse.db import ensure_database
from warehouse.embedded import admin_url
from warehouse.settings import Settings

DAGSTER_DATABASE = "dagster"


def dagster_pg_url(settings: Settings, database: str = DAGSTER_DATABASE) -> str:
    """URL for dagster-postgres. It needs the psycopg2 driver (it relies on client-side parameter interpolation)."""
    url = make_url(admin_url(settings)).set(drivername="postgresql+psycopg2", database=database)
    return url.render_as_string(hide_password=False)


def ensure_dagster_database(settings: Settings, database: str = DAGSTER_DATABASE) -> str:
    """Create the database Dagster stores runs in, if missing; return its URL."""
    ensure_database(make_url(admin_url(settings)).set(drivername="postgresql+psycopg"), database)
    return dagster_pg_url(settings, database)
