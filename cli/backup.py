"""`benchcrm db backup` / `benchcrm db restore`: pg_dump/pg_restore of the configured database (warehouse.backup)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from cli.main import db_app, fail


@db_app.command("backup")
def db_backup(
    out: Path | None = typer.Option(None, "--out", help="Dump file (default: <data dir>/backups/benchcrm-<UTC>.dump)."),
) -> None:
    """Dump the whole database (custom format, file mode 0600) and print the file's path."""
    from warehouse.backup import BackupError, backup
    from warehouse.embedded import DatabaseUnavailable, admin_url
    from warehouse.settings import get_settings

    settings = get_settings()
    target = out or settings.data_dir / "backups" / f"benchcrm-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"
    try:
        size = backup(admin_url(settings), target)
    except (DatabaseUnavailable, BackupError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{target} ({size / 1e6:.1f} MB)")


@db_app.command("restore")
def db_restore(dump: Path = typer.Argument(..., help="A file written by `benchcrm db backup`.")) -> None:
    """Restore a dump into the configured database, which must be empty (a new BENCHCRM_DATA_DIR, or a new
    database on the external server). BI logins must be issued again afterwards (`benchcrm bi-credentials`)."""
    from warehouse.backup import BackupError, restore
    from warehouse.db import admin_engine
    from warehouse.embedded import DatabaseUnavailable, admin_url
    from warehouse.migrations import MigrationError
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        restore(admin_engine(settings), admin_url(settings), settings, dump)
    except (DatabaseUnavailable, BackupError, MigrationError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"restored {dump}")
