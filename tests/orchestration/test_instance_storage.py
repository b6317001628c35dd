"""Dagster's instance storage works on the BenchCRM Postgres server, not only on SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from orchestration.lib.instance import ensure_dagster_database

REPO = Path(__file__).resolve().parents[2]


def test_dagster_runs_are_stored_in_postgres(settings, admin_engine, tmp_path, monkeypatch):
    url = ensure_dagster_database(settings, database="dagster_test")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "infra" / "dagster" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("BENCHCRM_DAGSTER_PG_URL", url)

    @dg.asset
    def probe() -> int:
        return 42

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([probe], instance=instance)
        assert result.success
        run_id = result.run_id
    dagster_db = sa.create_engine(url)
    try:
        with dagster_db.connect() as conn:
            stored = conn.execute(sa.text("select count(*) from runs where run_id = :r"), {"r": run_id}).scalar()
    finally:
        dagster_db.dispose()
    assert stored == 1
