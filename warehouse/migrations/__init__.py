"""Forward-only, ordered SQL migrations with a `schema_migrations` table (see docs/adr/0002)."""

from warehouse.migrations.runner import (
    MigrationError,
    SchemaTooNew,
    applied_versions,
    known_migrations,
    migrate,
)

__all__ = ["MigrationError", "SchemaTooNew", "applied_versions", "known_migrations", "migrate"]
