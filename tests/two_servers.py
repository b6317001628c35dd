"""Two real embedded Postgres servers of the tests' own (the session's server is never stopped): `primary` in a
temporary data folder and `eu` in its `servers/eu/pgdata`, both migrated, for the tenant-placement tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from warehouse.settings import Settings

# A few taxonomy skills, inserted in a different order on each server: serial ids differ, as they may in production.
SKILLS = ("java", "python", "kubernetes", "postgresql")


def _add_skills(engine: sa.Engine, names: tuple[str, ...]) -> None:
    with engine.begin() as conn:
        for name in names:
            conn.execute(sa.text("insert into crm.skill (canonical_name, category, taxonomy_version) "
                                 "values (:n, 'test', 'test') on conflict (canonical_name) do nothing"), {"n": name})


@pytest.fixture(scope="session")
def two_servers() -> Iterator[Settings]:
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_engine
    from warehouse.embedded import stop_embedded
    from warehouse.placement import server_settings

    folder = Path(tempfile.mkdtemp(prefix="bcrm-2s-"))  # short: Unix socket paths are limited to ~107 bytes
    settings = Settings(data_dir=folder, database_url=None, app_db_password=None, database_servers="eu=embedded",
                        tenant_cache_seconds=3600)
    try:
        prepare_database(settings)
        _add_skills(admin_engine(settings), SKILLS)
        _add_skills(admin_engine(server_settings(settings, "eu")), ("zz-shift", *reversed(SKILLS)))
        yield settings
    finally:
        for name in ("eu", "primary"):
            stop_embedded(server_settings(settings, name).pg_data_dir)
        shutil.rmtree(folder, ignore_errors=True)
