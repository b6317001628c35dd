"""`dbt build` (models, data tests, unit tests, singular tests) passes with deprecations as errors."""

from __future__ import annotations

import re

import sqlalchemy as sa


def test_dbt_build_runs_models_data_tests_and_unit_tests_without_failures(built_marts):
    done = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", built_marts.log)
    assert done, built_marts.log[-2000:]
    passed, _warn, errors, skipped = map(int, done.groups())
    assert (errors, skipped) == (0, 0)
    assert passed > 100
    assert "unit_test" in built_marts.log or "unit test" in built_marts.log
    for singular in ("assert_conversion_rates_never_exceed_one", "assert_placements_never_precede_submissions",
                     "assert_every_tenant_has_kpi_rows", "assert_funnel_stages_never_grow"):
        assert singular in built_marts.log


def test_marts_are_tables_in_schema_marts_and_layers_are_views(built_marts, admin_engine):
    with admin_engine.connect() as conn:
        kinds = dict(conn.execute(sa.text(
            "select n.nspname || '.' || c.relname, c.relkind from pg_class c join pg_namespace n "
            "on n.oid = c.relnamespace where n.nspname in ('staging', 'intermediate', 'marts') "
            "and c.relkind in ('r', 'v')")).all())
    assert kinds["marts.kpi_tenant_period"] == "r"
    assert kinds["marts.fct_submission_events"] == "r"
    assert kinds["staging.stg_crm__requirements"] == "v"
    assert kinds["intermediate.int_tenant_periods__spined"] == "v"
    assert not any(name.startswith(("analytics", "public")) for name in kinds)


def test_every_mart_table_has_forced_rls_with_the_tenant_policy(built_marts, admin_engine):
    with admin_engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(select count(*) from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation') "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'marts' and c.relkind = 'r'")).all()
    assert len(rows) >= 15
    assert [r[0] for r in rows if not (r[1] and r[2] and r[3] == 1)] == []


def test_incremental_facts_pick_up_changes_without_duplicating_rows(built_marts, settings, admin_engine):
    from warehouse.dbt_env import run_dbt

    tenant, rec = built_marts.world.tenant_id, built_marts.world.ids["rec-M1-K1"]

    def snapshot() -> tuple[int, int, object]:
        with admin_engine.connect() as conn:
            return (
                conn.execute(sa.text("select count(*) from marts.fct_submission_events where tenant_id = :t"),
                             {"t": tenant}).scalar(),
                conn.execute(sa.text("select count(*) from marts.fct_recommendations where tenant_id = :t"),
                             {"t": tenant}).scalar(),
                conn.execute(sa.text("select decided_at from marts.fct_recommendations where recommendation_id = :r"),
                             {"r": rec}).scalar(),
            )

    # 3 requirements + 5 sent submissions + 4 interview rows (one cancelled, kept flagged) + 1 offer + 2 placements
    assert snapshot()[:2] == (15, 6)
    with admin_engine.begin() as conn:
        # the recruiter re-confirms a decision after the build (KPIs unchanged: it was approved already), and
        # a submission row is touched: both are re-read through the watermark and upserted on their keys
        new_decided_at = conn.execute(sa.text(
            "update crm.recommendation set decided_at = now() where id = :r returning decided_at"),
            {"r": rec}).scalar()
        conn.execute(sa.text("update crm.submission set updated_at = now() where id = :s"),
                     {"s": built_marts.world.ids["S1"]})
    proc = run_dbt(settings, "run", "--select", "fct_submission_events fct_recommendations")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "incremental model marts.fct_recommendations" in proc.stdout
    assert snapshot() == (15, 6, new_decided_at)


def test_dbt_docs_generate_documents_every_model_and_column(built_marts, settings):
    import json

    from warehouse.dbt_env import DBT_PROJECT_DIR, run_dbt

    proc = run_dbt(settings, "docs", "generate")
    assert proc.returncode == 0, proc.stdout[-4000:]
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    catalog = json.loads((DBT_PROJECT_DIR / "target" / "catalog.json").read_text())
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert len(models) == 30
    undocumented = [
        f"{node['name']}.{column}"
        for uid, node in models.items()
        for column in catalog["nodes"][uid]["columns"]
        if not node["columns"].get(column, {}).get("description")
    ]
    assert undocumented == []
    assert [node["name"] for node in models.values() if "Grain:" not in node["description"]] == []
