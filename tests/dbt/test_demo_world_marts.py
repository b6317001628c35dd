"""`dbt build` on a generated demo world: its KPIs match the operational rows they summarize."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.db import tenant_tx


def test_demo_world_marts_count_what_the_crm_holds(built_marts, app_engine):
    with tenant_tx(built_marts.demo_tenant, app_engine) as conn:
        crm = conn.execute(sa.text(
            "select (select count(*) from crm.submission), (select count(*) from crm.placement),"
            " (select count(distinct submission_id) from crm.interview)")).one()
        marts = conn.execute(sa.text(
            "select sum(submissions), sum(placements) from marts.kpi_tenant_period where period_grain = 'day'")).one()
        rates = conn.execute(sa.text(
            "select min(submission_to_interview_rate), max(submission_to_interview_rate)"
            " from marts.kpi_tenant_period where period_grain = 'month' and cohort_submissions > 0")).one()
    submissions, placements, interviewed = crm
    assert submissions > 100 and placements > 0 and interviewed > 0
    assert (int(marts[0]), int(marts[1])) == (submissions, placements)
    assert 0 <= float(rates[0]) <= float(rates[1]) <= 1
