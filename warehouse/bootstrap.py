"""Bring a database to a usable state: reachable, migrated, reference data loaded."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from warehouse.db import admin_engine, check_reachable
from warehouse.migrations import migrate
from warehouse.settings import Settings, get_settings


def prepare_database(settings: Settings | None = None) -> tuple[Engine, list[int]]:
    """Start/attach the database, verify it answers, apply migrations. Returns the owner engine and versions."""
    settings = settings or get_settings()
    engine = admin_engine(settings)
    check_reachable(engine)
    applied = migrate(engine, settings)
    # MLflow's own database next to BenchCRM's (when that is where MLflow is configured to live).
    from warehouse.mlflow_store import tracking_uri

    tracking_uri(settings)
    return engine, applied
