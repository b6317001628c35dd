"""Bring a database to a usable state: reachable, migrated, reference data loaded."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from warehouse.crypto import get_keyring
from warehouse.db import admin_engine, check_reachable
from warehouse.migrations import migrate
from warehouse.sealed import reseal
from warehouse.settings import Settings, get_settings


def prepare_database(settings: Settings | None = None) -> tuple[Engine, list[int]]:
    """Start/attach the database, verify it answers, apply migrations. Returns the owner engine and versions."""
    settings = settings or get_settings()
    engine = admin_engine(settings)
    check_reachable(engine)
    applied = migrate(engine, settings)
    if applied:
        engine.dispose()  # connections opened before migration 0001 made the vector type lack its adapter
    with engine.begin() as conn:
        # plaintext contact data (rows older than encryption, bulk loads) goes under the current key
        reseal(conn, get_keyring(settings))
    # MLflow's own database next to BenchCRM's (when that is where MLflow is configured to live).
    from warehouse.mlflow_store import tracking_uri

    tracking_uri(settings)
    return engine, applied
