"""Time `dbt build` of the KPI marts and the offline export on a synthetic year of activity.

Usage: python benchmarks/marts_build.py [--tenants 3] [--requirements 2000]
Starts its own embedded Postgres in a temporary folder; prints the figures (nothing is asserted).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

SEED_SQL = """
select setseed(0.42);
insert into crm.app_user (id, tenant_id, email, full_name, role_name)
select gen_random_uuid(), :t, 'r' || g || '@bench.test', 'Recruiter ' || g, 'Recruiter' from generate_series(1, 10) g;
insert into crm.company (tenant_id, name, kind)
select :t, 'Company ' || g, (array['client','vendor','prime_vendor','msp'])[1 + g % 4] from generate_series(1, 60) g;
insert into crm.consultant (tenant_id, full_name, status, hourly_rate, bench_since)
select :t, 'Consultant ' || g, (array['bench','marketing','placed','inactive'])[1 + g % 4], 40 + g % 50,
       date '2025-01-01' + (g % 300) from generate_series(1, :consultants) g;
insert into crm.requirement (tenant_id, title, client_company_id, vendor_company_id, received_at, status,
                             duration_months, recruiter_id)
select :t, 'Req ' || g,
       (select id from crm.company where tenant_id = :t and kind = 'client' order by id offset (g % 15) limit 1),
       (select id from crm.company where tenant_id = :t and kind = 'vendor' order by id offset (g % 15) limit 1),
       timestamptz '2025-01-01 00:00+00' + (g * interval '263 minutes'),
       (array['open','on_hold','filled','closed'])[1 + g % 4], 6,
       (select id from crm.app_user where tenant_id = :t order by id offset (g % 10) limit 1)
from generate_series(1, :requirements) g;
insert into crm.match_run (id, tenant_id, kind, direction, anchor_id, model_version, started_at)
select gen_random_uuid(), :t, 'batch', 'requirement_to_consultants', r.id, 'v' || (1 + (row_number() over ()) % 3),
       r.received_at + interval '3 minutes'
from crm.requirement r where r.tenant_id = :t;
insert into crm.recommendation (tenant_id, match_run_id, requirement_id, consultant_id, rank, match_score,
                                success_probability, model_version, decision, created_at)
select m.tenant_id, m.id, m.anchor_id, c.id, c.rk, random(), random(), m.model_version,
       (array['approved','rejected',null])[1 + (c.rk % 3)], m.started_at
from crm.match_run m
cross join lateral (
    select id, row_number() over (order by md5(id::text || m.id::text)) as rk from crm.consultant
    where tenant_id = m.tenant_id order by rk limit 20) c
where m.tenant_id = :t;
insert into crm.submission (id, tenant_id, consultant_id, requirement_id, vendor_company_id, recruiter_id, status,
                            submitted_at, closed_at)
select gen_random_uuid(), r.tenant_id, r.consultant_id, r.requirement_id, q.vendor_company_id, q.recruiter_id,
       (array['submitted','interviewing','offered','placed','rejected'])[1 + (r.rank % 5)],
       r.created_at + interval '2 hours', null
from crm.recommendation r join crm.requirement q on q.id = r.requirement_id
where r.tenant_id = :t and r.rank <= 3;
insert into crm.interview (tenant_id, submission_id, scheduled_at, outcome)
select tenant_id, id, submitted_at + interval '2 days', 'passed' from crm.submission
where tenant_id = :t and status in ('interviewing', 'offered', 'placed');
insert into crm.offer (tenant_id, submission_id, bill_rate, pay_rate, offered_at)
select tenant_id, id, 95, 70, submitted_at + interval '5 days' from crm.submission
where tenant_id = :t and status in ('offered', 'placed');
insert into crm.placement (tenant_id, submission_id, consultant_id, requirement_id, bill_rate, pay_rate, start_date)
select tenant_id, id, consultant_id, requirement_id, 95, 70, (submitted_at + interval '10 days')::date
from crm.submission where tenant_id = :t and status = 'placed';
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--requirements", type=int, default=2000, help="per tenant (one batch run of 20 each)")
    parser.add_argument("--consultants", type=int, default=300, help="per tenant")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bcrm-bench-"))
    os.environ["BENCHCRM_DATA_DIR"] = str(data_dir)
    from warehouse.bootstrap import prepare_database
    from warehouse.dbt_env import DBT_PROJECT_DIR, dbt_env, dbt_executable
    from warehouse.embedded import stop_embedded
    from warehouse.offline.export import export_marts
    from warehouse.repositories.tenants import ensure_tenant
    from warehouse.settings import Settings

    settings = Settings()
    try:
        engine, _ = prepare_database(settings)
        started = time.perf_counter()
        for n in range(args.tenants):
            with engine.begin() as conn:
                tenant = ensure_tenant(conn, slug=f"bench-{n}")
                for statement in filter(str.strip, SEED_SQL.split(";\n")):
                    conn.execute(sa.text(statement), {"t": tenant, "requirements": args.requirements,
                                                      "consultants": args.consultants})
        seeded = time.perf_counter() - started
        with engine.connect() as conn:
            sizes = {t: conn.execute(sa.text(f"select count(*) from crm.{t}")).scalar()
                     for t in ("requirement", "recommendation", "submission", "interview", "placement")}
        env = {**os.environ, **dbt_env(settings)}
        base = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]

        def dbt(*cmd: str) -> float:
            t0 = time.perf_counter()
            proc = subprocess.run([dbt_executable(), *cmd, *base], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(proc.stdout[-4000:])
            return time.perf_counter() - t0

        parse = dbt("parse")
        full = dbt("build", "--warn-error-options", '{"error": ["Deprecations"]}')
        again = dbt("build", "--warn-error-options", '{"error": ["Deprecations"]}')
        slowest = sorted(json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())["results"],
                         key=lambda r: -r["execution_time"])[:6]
        incremental = dbt("run", "--select", "fct_submission_events fct_recommendations")
        t0 = time.perf_counter()
        result = export_marts(engine, data_dir / "exports" / "all")
        export = time.perf_counter() - t0
        print(f"seeded {args.tenants} tenants in {seeded:.1f} s: {sizes}")
        print(f"dbt parse:                          {parse:6.1f} s")
        print(f"dbt build (first, full):            {full:6.1f} s")
        print(f"dbt build (second, incremental):    {again:6.1f} s")
        print(f"dbt run of the 2 incremental facts: {incremental:6.1f} s")
        print(f"export to Parquet + DuckDB:         {export:6.1f} s  "
              f"({sum(result.row_counts.values())} rows in {len(result.row_counts)} tables)")
        print("slowest nodes of the second build: " + ", ".join(
            f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f} s" for r in slowest))
    finally:
        stop_embedded(data_dir / "pgdata")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
