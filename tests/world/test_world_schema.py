"""The demo world's migration stream: applied by seeding only, and adopting the tables that databases migrated
before production 0020 already hold (0003 + 0005 created them)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from demo_world.schema import WORLD_STREAM, migrate_world
from warehouse.db import set_tenant
from warehouse.migrations import applied_versions, known_migrations, migrate
from warehouse.migrations.runner import VERSIONS_DIR


@pytest.fixture
def scratch_db(admin_engine) -> Iterator[sa.Engine]:
    name = f"bcrm_w{uuid.uuid4().hex[:8]}"
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"create database {name}"))
    engine = sa.create_engine(admin_engine.url.set(database=name))
    yield engine
    engine.dispose()
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"drop database if exists {name}"))


def _migrate_as_before_0020(engine: sa.Engine, settings, tmp_path: Path) -> None:
    old = tmp_path / "versions"
    old.mkdir()
    for path in VERSIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 20:
            shutil.copy(path, old / path.name)
    migrate(engine, settings, directory=old)


def _world_columns(engine: sa.Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'world'")).all())


def test_seeding_applies_the_world_stream_once(scratch_db, settings) -> None:
    migrate(scratch_db, settings)
    assert migrate_world(scratch_db) == [m.version for m in known_migrations(WORLD_STREAM.directory)]
    assert migrate_world(scratch_db) == []
    assert set(applied_versions(scratch_db, WORLD_STREAM.ledger)) == {1}
    assert {t for t, _, _ in _world_columns(scratch_db)} == {
        "run", "consultant_latent", "company_latent", "requirement_truth", "submission_truth", "message_truth"}


def test_an_older_database_with_a_seeded_world_keeps_it_and_the_stream_adopts_it(
        scratch_db, settings, tmp_path) -> None:
    _migrate_as_before_0020(scratch_db, settings, tmp_path)
    before = _world_columns(scratch_db)
    tenant = uuid.uuid4()
    with scratch_db.begin() as conn:
        set_tenant(conn, tenant)  # FORCE RLS binds a non-superuser owner too
        conn.execute(sa.text("insert into crm.tenant (id, slug, name) values (:t, 'old-world', 'Old')"), {"t": tenant})
        conn.execute(sa.text("insert into world.run (tenant_id, seed, params) values (:t, 1, '{}')"), {"t": tenant})
    assert 20 in migrate(scratch_db, settings)
    assert migrate_world(scratch_db) == [1]
    # The stream's tables are exactly what 0003 + 0005 built, so old and new databases do not drift apart.
    assert _world_columns(scratch_db) == before
    with scratch_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from world.run")).scalar() == 1


def test_an_older_database_without_a_world_loses_the_empty_schema(scratch_db, settings, tmp_path) -> None:
    _migrate_as_before_0020(scratch_db, settings, tmp_path)
    assert _world_columns(scratch_db)
    assert 20 in migrate(scratch_db, settings)
    assert _world_columns(scratch_db) == set()
