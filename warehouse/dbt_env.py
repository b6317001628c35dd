"""The environment dbt needs to reach the warehouse, derived from the one Settings object.

dbt's `profiles.yml` reads only `env_var()`s; this module is the single place that turns the owner URL (embedded
pgserver Unix socket, or BENCHCRM_DATABASE_URL) into those variables, so the CLI, Dagster and tests agree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from warehouse.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def dbt_env_from_url(url: str, *, app_role: str) -> dict[str, str]:
    """Connection variables for `dbt_project/profiles.yml` from an owner URL.

    A Unix-socket URL (`postgresql://postgres:@/postgres?host=/tmp/x`) carries the socket folder as the `host`
    query parameter: libpq (and so dbt-postgres) accepts a folder as host and finds `.s.PGSQL.<port>` in it.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # the URL is not echoed: it may carry a password
        raise ValueError("BENCHCRM_DATABASE_URL (or the embedded server's URL) is not a database URL") from None
    socket_dir = parsed.query.get("host")
    if isinstance(socket_dir, tuple):  # repeated query parameter: libpq uses the first
        socket_dir = socket_dir[0]
    host = socket_dir or parsed.host or "localhost"
    return {
        "BENCHCRM_DBT_HOST": str(host),
        "BENCHCRM_DBT_PORT": str(parsed.port or parsed.query.get("port") or 5432),
        "BENCHCRM_DBT_USER": parsed.username or "postgres",
        "BENCHCRM_DBT_PASSWORD": parsed.password or "",
        "BENCHCRM_DBT_DBNAME": parsed.database or "postgres",
        "BENCHCRM_DBT_APP_ROLE": app_role,
    }


def dbt_env(settings: Settings) -> dict[str, str]:
    """The owner connection for dbt (starts the embedded server when that is the configured database)."""
    from warehouse.embedded import admin_url

    return dbt_env_from_url(admin_url(settings), app_role=settings.app_db_role)


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[dict[str, str]]:
    """Set the dbt variables in this process for the duration (dagster-dbt passes os.environ to the dbt CLI)."""
    values = dbt_env(settings)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_executable() -> str:
    """`dbt` from PATH, else the one installed next to this interpreter (an un-activated virtualenv)."""
    beside = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or str(beside)


# Deprecations fail the build, as in CI.
WARN_ERROR_ARGS: tuple[str, ...] = ("--warn-error-options", '{"error": ["Deprecations"]}')


def run_dbt(settings: Settings, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run the dbt CLI on the project with the settings' owner connection; the caller checks returncode."""
    env = {**os.environ, **dbt_env(settings)}
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


def run_dbt_on_servers(settings: Settings, *args: str, servers: tuple[str, ...] | None = None,
                       timeout: float = 1800) -> dict[str, subprocess.CompletedProcess[str]]:
    """The same dbt command on each placement server (default: all but the primary, which the caller runs with
    its own streaming), one after another, each with that server's owner connection and its own target folder.
    Marts stay tenant-scoped: every server's marts hold the rows of the tenants placed there."""
    from warehouse.placement import server_names, server_settings

    names = servers if servers is not None else server_names(settings)[1:]
    return {name: run_dbt(server_settings(settings, name), *args, "--target-path", f"target/servers/{name}",
                          timeout=timeout) for name in names}
