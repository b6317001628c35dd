"""Full-text search `q=` under RLS: the database-wide LEAKPROOF change (migration 0009) vs. no change (an external
server whose owner is not a superuser) vs. the tenant-filtering SECURITY DEFINER functions (migration 0016).

Loads --tenants tenants of --consultants consultants each (titles and summaries of 8 job families plus a rare
word in 1 of 200 rows, made in SQL) into its own embedded Postgres in a temporary folder, then runs the consultants
list query with `q=` as the application role, one tenant per transaction, in the three set-ups, and prints
p50/p95 per set-up and the ratio to the LEAKPROOF baseline. Nothing is asserted; every set-up must return the
same ids (checked).

    python benchmarks/search_under_rls.py [--tenants 3] [--consultants 30000] [--queries 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAMILIES = [
    ("Senior Java Developer", "Java 11/17, Spring Boot, microservices, Kafka, AWS"),
    ("Data Engineer", "Python, PySpark, Snowflake, Airflow, dbt on AWS"),
    ("React Developer", "React, TypeScript, Node.js, GraphQL"),
    ("Salesforce Developer", "Apex, Lightning, SFDC integrations"),
    (".NET Developer", "C#, .NET Core, Azure, SQL Server"),
    ("DevOps Engineer", "Kubernetes, Terraform, AWS, CI/CD"),
    ("QA Automation Engineer", "Selenium, Java, Cucumber, API testing"),
    ("ServiceNow Developer", "ServiceNow ITSM, JavaScript, integrations"),
]
TERMS = ["java", "python snowflake", "kubernetes", "salesforce apex", "react typescript", "servicenow",
         "quantum", "cobol mainframe"]  # quantum: 1 in 200 rows; cobol: no match
RARE = {"quantum", "cobol mainframe"}

LOAD_SQL = """
insert into crm.consultant (tenant_id, full_name, title, summary, status)
select :t, 'Consultant ' || g, (cast(:titles as text[]))[1 + g % 8],
       (cast(:summaries as text[]))[1 + g % 8] || case when g % 200 = 0 then ', quantum computing' else '' end,
       (array['bench','marketing','placed','inactive'])[1 + g % 4]
from generate_series(1, :n) g
"""

OLD_SQL = """select {cols} from crm.consultant
where deleted_at is null and search_tsv @@ websearch_to_tsquery('english', :q)
order by created_at desc, id desc limit :limit"""


def load(engine, tenants: int, n: int) -> list:
    from warehouse.repositories.tenants import ensure_tenant

    ids = []
    for i in range(tenants):
        with engine.begin() as conn:
            tenant = ensure_tenant(conn, slug=f"search-{i}")
            conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
            conn.execute(sa.text(LOAD_SQL), {"t": tenant, "n": n, "titles": [f[0] for f in FAMILIES],
                                             "summaries": [f[1] for f in FAMILIES]})
        ids.append(tenant)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("vacuum analyze crm.consultant"))
    return ids


def set_leakproof(engine, on: bool) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"alter function pg_catalog.ts_match_vq(tsvector, tsquery) "
                             f"{'' if on else 'not '}leakproof")


def run(app, tenants, queries: int, search) -> tuple[list[float], list[float], dict]:
    from warehouse.db import tenant_tx

    times, rare, answers = [], [], {}
    for i in range(queries):
        tenant, term = tenants[i % len(tenants)], TERMS[i % len(TERMS)]
        started = time.perf_counter()
        with tenant_tx(tenant, app) as conn:
            ids = search(conn, term)
        times.append((time.perf_counter() - started) * 1000)
        if term in RARE:
            rare.append(times[-1])
        answers[(tenant, term)] = ids
    return times, rare, answers


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--consultants", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    from warehouse.bootstrap import prepare_database
    from warehouse.db import app_engine
    from warehouse.embedded import throwaway_data_dir
    from warehouse.repositories.crm_tables import CONSULTANTS
    from warehouse.repositories.records import list_rows
    from warehouse.settings import get_settings

    with throwaway_data_dir("bcrm-search-"):
        get_settings.cache_clear()
        settings = get_settings()
        engine, _ = prepare_database(settings)
        started = time.perf_counter()
        tenants = load(engine, args.tenants, args.consultants)
        print(f"loaded {args.tenants} x {args.consultants:,} consultants in {time.perf_counter() - started:.1f} s")
        app = app_engine(settings)

        def old(conn, term):
            sql = OLD_SQL.format(cols=CONSULTANTS.select_list)
            return [r.id for r in conn.execute(sa.text(sql), {"q": term, "limit": 50})]

        def new(conn, term):
            return [r["id"] for r in list_rows(conn, CONSULTANTS, filters={}, q=term, after=None, limit=50)]

        setups = [("0009: @@ under RLS, ts_match_vq LEAKPROOF (superuser change)", True, old),
                  ("no superuser: @@ under RLS, not leakproof", False, old),
                  ("0016: app.fts_consultant (SECURITY DEFINER), not leakproof", False, new)]
        results, reference = [], None
        for name, leakproof, search in setups:
            set_leakproof(engine, leakproof)
            run(app, tenants, len(TERMS) * args.tenants, search)  # warm the caches and the pool
            times, rare, answers = run(app, tenants, args.queries, search)
            if reference is None:
                reference = answers
            same = answers == reference
            results.append((name, pct(times, 50), pct(times, 95), statistics.median(rare), same))
        set_leakproof(engine, False)
        base_p95 = results[0][2]
        print(f"\n{args.queries} searches per set-up, {len(TERMS)} terms, round-robin over {args.tenants} tenants; "
              "one transaction each (SET LOCAL tenant + query)")
        print(f"{'set-up':<66} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9} {'rare p50':>9}  same ids")
        for name, p50, p95, rare_p50, same in results:
            print(f"{name:<66} {p50:>8.2f} {p95:>8.2f} {p95 / base_p95:>9.2f} {rare_p50:>9.2f}  {same}")
        app.dispose()
        engine.dispose()


if __name__ == "__main__":
    main()
