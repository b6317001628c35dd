"""Dagster's own storage on the BenchCRM Postgres server (a separate `dagster` database on the same server)."""

from __future__ import annotations

from warehouse.databases import database_url, ensure_database
from warehouse.settings import Settings

DAGSTER_DATABASE = "dagster"


def dagster_pg_url(settings: Settings, database: str = DAGSTER_DATABASE) -> str:
    """URL for dagster-postgres. It needs the psycopg2 driver (it relies on client-side parameter interpolation)."""
    return database_url(settings, database)


def ensure_dagster_database(settings: Settings, database: str = DAGSTER_DATABASE) -> str:
    """Create the database Dagster stores runs in, if missing; return its URL."""
    return ensure_database(settings, database)
