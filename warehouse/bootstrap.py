"""Bring a database to a usable state: reachable, migrated, reference data loaded."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from warehouse.crypto import get_keyring
from warehouse.db import admin_engine, check_reachable
from warehouse.migrations import migrate
from warehouse.sealed import reseal
from warehouse.settings import Settings, get_settings


def prepare_database(settings: Settings | None = None) -> tuple[Engine, list[int]]:
    """Start/attach the database, verify it answers, apply migrations — on every configured server (the tenant
    placement's, warehouse/placement.py). Returns the primary's owner engine and the versions applied there."""
    from warehouse.placement import PRIMARY, server_names, server_settings

    settings = settings or get_settings()
    for name in server_names(settings)[1:]:
        _prepare_server(server_settings(settings, name))
    primary = server_settings(settings, PRIMARY)
    engine, applied = _prepare_server(primary)
    # MLflow's own database next to BenchCRM's (when that is where MLflow is configured to live).
    from warehouse.mlflow_store import tracking_uri

    tracking_uri(primary)
    return engine, applied


def _prepare_server(settings: Settings) -> tuple[Engine, list[int]]:
    engine = admin_engine(settings)
    check_reachable(engine)
    applied = migrate(engine, settings)
    if applied:
        engine.dispose()  # connections opened before migration 0001 made the vector type lack its adapter
    with engine.begin() as conn:
        # plaintext contact data (rows older than encryption, bulk loads) goes under the current key
        reseal(conn, get_keyring(settings))
    return engine, applied
