"""Database passwords BenchCRM generates and keeps: the application role's, in the data folder.

The embedded server's application role gets a random password on first use, stored in
`<data_dir>/secrets/app_db_password` (folder 0700, file 0600) and (re)applied by the migration runner on every
`migrate`/`serve`/`demo`. `BENCHCRM_APP_DB_PASSWORD` overrides it; an external server (`BENCHCRM_DATABASE_URL`)
keeps using that variable (its historical default stays, since its operator owns that server's roles).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from warehouse.settings import Settings

EXTERNAL_DEFAULT_PASSWORD = "benchcrm_app"


def secrets_dir(settings: Settings) -> Path:
    return settings.data_dir / "secrets"


def app_password_file(settings: Settings) -> Path:
    return secrets_dir(settings) / "app_db_password"


def generate_password() -> str:
    """URL-safe, so it can sit in a connection URL without quoting."""
    return secrets.token_urlsafe(32)


def read_or_create_secret(path: Path) -> str:
    """The secret in `path`, created (0600, folder 0700) with a fresh random value if missing. Two processes racing
    to create it agree: O_EXCL lets one write, the other reads what it wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text().strip()
        if value:
            return value
        # an empty file is what a writer that died between open and write leaves: start over
        path.unlink(missing_ok=True)
        return read_or_create_secret(path)
    value = generate_password()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def app_db_password(settings: Settings) -> str:
    if settings.app_db_password:
        return settings.app_db_password
    if settings.uses_embedded_postgres:
        return read_or_create_secret(app_password_file(settings))
    return EXTERNAL_DEFAULT_PASSWORD
