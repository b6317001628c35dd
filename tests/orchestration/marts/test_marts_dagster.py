"""The dbt models as Dagster assets: lineage from the Python assets, tests as checks, materialization, export."""

from __future__ import annotations

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from orchestration.lib.dbt_translator import CRM_OPERATIONAL_TABLES
from orchestration.lib.partitions import materialize_for_tenant

UPSTREAM_OF = {
    "stg_crm__requirements": "parsed_requirements",
    "stg_crm__consultants": "consultant_profiles",
    "stg_crm__inbound_messages": "raw_emails",
    "stg_crm__recommendations": "batch_recommendations",
    "stg_crm__match_runs": "batch_recommendations",
    "stg_crm__submissions": CRM_OPERATIONAL_TABLES,
    "stg_crm__placements": CRM_OPERATIONAL_TABLES,
}


@pytest.fixture(scope="module")
def defs(built_marts) -> dg.Definitions:
    # built_marts ran `dbt build`, which rewrote target/manifest.json from the current models: the definitions
    # below are loaded from a fresh manifest, never from a stale one left by an earlier checkout
    from orchestration.definitions import defs as load

    return load()


@pytest.fixture(scope="module")
def specs(defs) -> dict[str, dg.AssetSpec]:
    return {spec.key.path[-1]: spec for spec in defs.resolve_all_asset_specs()}


def test_staging_models_are_downstream_of_the_python_assets_that_write_their_tables(specs):
    for model, upstream in UPSTREAM_OF.items():
        assert {dep.asset_key for dep in specs[model].deps} == {dg.AssetKey(upstream)}, model


def test_kpi_marts_are_transitively_downstream_of_ingestion_and_matching(defs):
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["marts", "kpi_tenant_period"])).parent_keys
    ancestors: set[dg.AssetKey] = set()
    frontier = set(upstream)
    while frontier:
        key = frontier.pop()
        ancestors.add(key)
        frontier |= set(graph.get(key).parent_keys) - ancestors if graph.has(key) else set()
    names = {key.path[-1] for key in ancestors}
    assert {"parsed_requirements", "batch_recommendations", CRM_OPERATIONAL_TABLES} <= names


def test_dbt_models_are_in_group_marts_with_dbt_kind_and_keys_prefixed_by_schema(specs):
    dbt_specs = [s for s in specs.values() if "dbt" in s.kinds]
    assert len(dbt_specs) == 30
    assert {s.group_name for s in dbt_specs} == {"marts"}
    assert {s.key.path[0] for s in dbt_specs} == {"staging", "intermediate", "marts"}
    assert specs[CRM_OPERATIONAL_TABLES].group_name == "crm"


def test_dbt_tests_are_asset_checks_on_their_models(defs):
    checks = defs.resolve_asset_graph().asset_check_keys
    by_asset: dict[str, set[str]] = {}
    for check in checks:
        by_asset.setdefault(check.asset_key.path[-1], set()).add(check.name)
    assert "unique_combination_kpi_tenant_period_tenant_id__period_grain__period_start" in by_asset["kpi_tenant_period"]
    assert "assert_placements_never_precede_submissions" in by_asset["fct_submissions"]
    assert "unique_fct_recommendations_recommendation_id" in by_asset["fct_recommendations"]
    assert len(checks) > 100


def test_the_dbt_asset_runs_build_with_deprecations_as_errors():
    from orchestration.defs.marts.dbt import dbt_build_args

    assert dbt_build_args() == ["build", "--warn-error-options", '{"error": ["Deprecations"]}']


def test_refresh_job_selects_the_dbt_models_unpartitioned_and_runs_hourly(defs):
    job = defs.resolve_job_def("refresh_marts_job")
    keys = {key.path[-1] for key in job.asset_layer.selected_asset_keys}
    assert {"kpi_tenant_period", "stg_crm__requirements"} <= keys
    # the per-tenant export runs in each tenant's main-job run, not in the all-tenants refresh
    assert not keys & {"parsed_requirements", "marts_export"}
    assert job.partitions_def is None
    schedule = defs.resolve_schedule_def("refresh_marts_schedule")
    assert (schedule.cron_schedule, schedule.job_name) == ("15 * * * *", "refresh_marts_job")


def test_marts_export_depends_on_every_mart_table(specs):
    deps = {dep.asset_key.path[-1] for dep in specs["marts_export"].deps}
    assert {"kpi_tenant_period", "fct_placements", "dim_tenants", "kpi_calibration_bins"} <= deps
    assert not any(name.startswith(("stg_", "int_")) for name in deps)


def _resources():
    from orchestration.defs.marts.dbt import dbt_resource
    from orchestration.defs.resources import PostgresResource

    return {"dbt": dbt_resource(), "postgres": PostgresResource()}


def test_materializing_dbt_assets_twice_succeeds_with_passing_checks_and_same_rows(built_marts, admin_engine):
    from orchestration.defs.marts.dbt import marts_dbt_assets

    selection = [dg.AssetKey(["marts", "fct_recommendations"])]  # incremental: the interesting one to repeat
    counts = []
    for _ in range(2):
        result = dg.materialize([marts_dbt_assets()], selection=selection, resources=_resources())
        assert result.success
        materialized = {e.asset_key for e in result.get_asset_materialization_events()}
        assert materialized == set(selection)
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]
        with admin_engine.connect() as conn:
            counts.append(conn.execute(sa.text("select count(*) from marts.fct_recommendations")).scalar())
    assert counts[0] == counts[1] > 0


def test_marts_export_writes_parquet_and_a_duckdb_file_for_one_tenant(built_marts, admin_engine, settings):
    from orchestration.defs.marts.export import marts_export_asset

    tenant = built_marts.world.tenant_id
    with admin_engine.connect() as conn:
        slug = conn.execute(sa.text("select slug from crm.tenant where id = :t"), {"t": tenant}).scalar()
        expected = conn.execute(sa.text("select count(*) from marts.kpi_tenant_period where tenant_id = :t"),
                                {"t": tenant}).scalar()
    for _ in range(2):  # idempotent: the second snapshot replaces the first
        result = materialize_for_tenant([marts_export_asset()], tenant=slug, resources=_resources())
        assert result.success
    folder = settings.data_dir / "exports" / slug
    table = pq.read_table(folder / "kpi_tenant_period.parquet")
    assert table.num_rows == expected
    assert set(table.column("tenant_id").to_pylist()) == {str(tenant)}
    with duckdb.connect(str(folder / "marts.duckdb"), read_only=True) as db:
        week = db.execute("select submissions, top5_hit_rate from kpi_tenant_period "
                          "where period_grain = 'week' and period_start = DATE '2026-01-05'").fetchall()
        views = {row[0] for row in db.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert [(s, float(r)) for s, r in week] == [(5, 0.6667)]
    assert {"kpi_tenant_period", "fct_placements", "dim_tenants"} <= views
    assert not (folder.parent / f"{slug}.tmp").exists()


def test_marts_export_for_an_unknown_tenant_fails_precisely(built_marts):
    from orchestration.defs.marts.export import marts_export_asset

    with pytest.raises(dg.Failure, match="tenant 'no-such-tenant' does not exist"):
        materialize_for_tenant([marts_export_asset()], tenant="no-such-tenant", resources=_resources())
