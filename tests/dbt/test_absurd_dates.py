"""One absurd date written straight into the database (bypassing the API's bounds) cannot grow the KPI spine or
break the marts build and the export, for that tenant or anyone else (issue 13, finding 7)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.factories import populate_every_tenant_table
from warehouse.dbt_env import WARN_ERROR_ARGS, run_dbt


def test_a_9999_date_leaves_the_spine_small_and_the_build_and_export_finish(built_marts, settings, admin_engine,
                                                                          make_tenant, tmp_path):
    from warehouse.offline.export import export_marts

    tenant = make_tenant()
    with admin_engine.begin() as conn:
        populate_every_tenant_table(conn, tenant)
        conn.execute(sa.text("update crm.placement set start_date = '9999-12-31', end_date = '9999-12-31' "
                             "where tenant_id = :t"), {"t": tenant})
        conn.execute(sa.text("update crm.interview set scheduled_at = '9999-12-31T23:59:59Z' where tenant_id = :t"),
                     {"t": tenant})
        conn.execute(sa.text("update crm.offer set offered_at = '0001-01-01T00:00:00Z' where tenant_id = :t"),
                     {"t": tenant})
        conn.execute(sa.text("update crm.requirement set received_at = '9999-12-31T00:00:00Z' where tenant_id = :t"),
                     {"t": tenant})

    proc = run_dbt(settings, "build", *WARN_ERROR_ARGS)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"

    with admin_engine.connect() as conn:
        by_grain = dict(conn.execute(sa.text(
            "select period_grain, count(*) from marts.kpi_tenant_period where tenant_id = :t group by 1"),
            {"t": tenant}).all())
        last = conn.execute(sa.text("select max(period_end) from marts.kpi_tenant_period where tenant_id = :t"),
                            {"t": tenant}).scalar()
        dimension_last = conn.execute(sa.text(
            "select max(period_start) from marts.kpi_pipeline_by_dimension_period where tenant_id = :t"),
            {"t": tenant}).scalar()
    # created today, the absurd rows ignored: the window ends 24 months ahead (kpi_future_months)
    assert by_grain["day"] <= 2 * 366 + 3 and by_grain["week"] <= 2 * 53 + 2 and by_grain["month"] <= 2 * 12 + 2
    assert last.year < date.today().year + 3
    assert dimension_last is None or dimension_last.year < date.today().year + 3

    one = export_marts(admin_engine, tmp_path / "one", tenant_id=tenant)
    assert one.row_counts["kpi_tenant_period"] == sum(by_grain.values())
    everyone = export_marts(admin_engine, tmp_path / "all")  # the run that failed for every tenant
    assert everyone.row_counts["kpi_tenant_period"] > one.row_counts["kpi_tenant_period"]
