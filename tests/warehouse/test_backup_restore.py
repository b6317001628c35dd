"""A small restore drill: dump the session's database, restore it into a fresh embedded server of the test's own,
and find every table identical (rows and content, vectors included)."""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from warehouse.backup import (
    BackupError,
    backup,
    compare_fingerprints,
    restore,
    table_fingerprints,
)
from warehouse.db import admin_engine as make_admin_engine
from warehouse.db import app_engine as make_app_engine
from warehouse.embedded import admin_url, stop_embedded
from warehouse.settings import Settings


@pytest.fixture(scope="module")
def fresh_server():
    folder = Path(tempfile.mkdtemp(prefix="bcrm-rst-"))
    settings = Settings(data_dir=folder, database_url=None, app_db_password=None)
    try:
        yield settings
    finally:
        stop_embedded(settings.pg_data_dir)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_backup_restores_into_a_fresh_data_folder_table_by_table(admin_engine, settings, fresh_server, make_tenant,
                                                                   tmp_path):
    tenant = make_tenant()
    with admin_engine.begin() as conn:  # a vector, so the drill compares embeddings too
        conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
        conn.execute(sa.text(
            "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
            "values (:t, 'consultant', gen_random_uuid(), 'drill', 384, "
            "(select array_agg(g / 384.0)::vector from generate_series(1, 384) g), 'h')"), {"t": tenant})
    dump = tmp_path / "drill.dump"
    assert backup(admin_url(settings), dump) > 0
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    before = table_fingerprints(admin_engine)

    target = make_admin_engine(fresh_server)
    restore(target, admin_url(fresh_server), fresh_server, dump)
    after = table_fingerprints(target)
    assert compare_fingerprints(before, after) == []
    assert before["crm.embedding"].rows >= 1 and len(before) >= 30

    with make_app_engine(fresh_server).begin() as conn:  # the restored server serves the app role under RLS
        conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
        seen = conn.execute(sa.text("select count(*), count(distinct tenant_id) from crm.embedding")).one()
    assert tuple(seen) == (1, 1)

    with pytest.raises(BackupError, match="already has BenchCRM schemas"):
        restore(target, admin_url(fresh_server), fresh_server, dump)


def test_the_drill_notices_a_lost_row(admin_engine):
    before = table_fingerprints(admin_engine, schemas=("crm",))
    after = dict(before)
    table = "crm.tenant"
    after[table] = type(before[table])(before[table].rows - 1, before[table].digest)
    assert compare_fingerprints(before, after) == [f"{table}: {before[table].rows} rows before, "
                                                    f"{before[table].rows - 1} after"]
