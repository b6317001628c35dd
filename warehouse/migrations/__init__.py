"""Forward-only, ordered SQL migrations with a `schema_migrations` table (see docs/adr/0002)."""

from warehouse.migrations.runner import (
    PRODUCTION,
    MigrationError,
    SchemaTooNew,
    Stream,
    applied_versions,
    apply_stream,
    known_migrations,
    migrate,
)

__all__ = [
    "PRODUCTION", "MigrationError", "SchemaTooNew", "Stream", "applied_versions", "apply_stream", "known_migrations",
    "migrate",
]
