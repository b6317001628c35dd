"""The marts isolate tenants with RLS like the crm tables, and only the marts are open to the application role."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from warehouse.db import set_tenant, tenant_tx
from warehouse.repositories.kpis import MartsNotBuilt, ensure_marts_built, kpis


def _mart_tables(admin_engine) -> list[str]:
    with admin_engine.connect() as conn:
        return list(conn.execute(sa.text(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1")).scalars())


def test_app_role_with_tenant_a_sees_only_tenant_a_rows_in_every_mart(built_marts, app_engine, admin_engine):
    a, b = built_marts.world.tenant_id, built_marts.other_tenant
    tables = _mart_tables(admin_engine)
    with app_engine.begin() as conn:
        set_tenant(conn, a)
        for table in tables:
            foreign = conn.execute(sa.text(f"select count(*) from marts.{table} where tenant_id <> :a"),
                                   {"a": a}).scalar()
            assert (table, foreign) == (table, 0)
        own = conn.execute(sa.text("select count(*) from marts.kpi_tenant_period")).scalar()
    with admin_engine.connect() as conn:
        b_rows = conn.execute(sa.text("select count(*) from marts.kpi_tenant_period where tenant_id = :b"),
                              {"b": b}).scalar()
    assert own > 0 and b_rows > 0  # both tenants have rows; A just cannot see B's


def test_app_role_without_a_tenant_sees_no_mart_rows(built_marts, app_engine, admin_engine):
    with app_engine.connect() as conn:
        for table in _mart_tables(admin_engine):
            assert (table, conn.execute(sa.text(f"select count(*) from marts.{table}")).scalar()) == (table, 0)


def test_app_role_cannot_read_staging_or_intermediate(built_marts, app_engine):
    for relation in ("staging.stg_crm__submissions", "intermediate.int_tenant_periods__spined"):
        with app_engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text(f"select 1 from {relation} limit 1"))


def test_app_role_cannot_write_marts(built_marts, app_engine):
    with tenant_tx(built_marts.world.tenant_id, app_engine) as conn, \
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        conn.execute(sa.text("delete from marts.kpi_tenant_period"))


def test_kpis_returns_the_tenants_weekly_rows_under_rls(built_marts, app_engine):
    with tenant_tx(built_marts.world.tenant_id, app_engine) as conn:
        rows = kpis(conn, date_from=date(2026, 1, 7), date_to=date(2026, 1, 20), grain="week")
    assert [r["period_start"] for r in rows] == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    first = rows[0]
    assert (first["submissions"], first["top5_hit_rate"], first["brier_score"]) == (5, 0.6667, 0.228)
    assert rows[2]["submission_to_interview_rate"] is None  # a quiet week: no cohort, no rate
    assert "tenant_id" not in first


def test_kpis_never_returns_another_tenants_rows(built_marts, app_engine):
    # the other tenant has data only around today; the world tenant's January must not leak into it
    with tenant_tx(built_marts.other_tenant, app_engine) as conn:
        january = kpis(conn, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), grain="month")
        this_month = kpis(conn, date_from=date.today(), date_to=date.today(), grain="month")
    assert january == []
    assert len(this_month) == 1 and this_month[0]["submissions"] == 0  # its only submission was never sent


def test_kpis_for_an_empty_tenant_are_zeros(built_marts, app_engine):
    with tenant_tx(built_marts.empty_tenant, app_engine) as conn:
        rows = kpis(conn, date_from=date.today(), date_to=date.today(), grain="day")
    assert len(rows) == 1
    assert (rows[0]["placements"], rows[0]["revenue_usd"], rows[0]["approval_rate"]) == (0, 0.0, None)


@pytest.mark.parametrize(("grain", "date_from", "date_to", "message"), [
    ("year", date(2026, 1, 1), date(2026, 2, 1), "grain must be one of day, week, month"),
    ("week", date(2026, 2, 1), date(2026, 1, 1), "is after"),
    ("day", date(2020, 1, 1), date(2026, 1, 1), "range too long"),
])
def test_kpis_rejects_bad_arguments_precisely(built_marts, app_engine, grain, date_from, date_to, message):
    with tenant_tx(built_marts.world.tenant_id, app_engine) as conn, pytest.raises(ValueError, match=message):
        kpis(conn, date_from=date_from, date_to=date_to, grain=grain)


def test_reading_kpis_before_dbt_built_the_marts_raises_marts_not_built(app_engine, make_tenant):
    with tenant_tx(make_tenant(), app_engine) as conn, pytest.raises(MartsNotBuilt, match="dbt build"):
        ensure_marts_built(conn, "marts.kpi_not_built_yet")
