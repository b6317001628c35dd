"""Full-text search under RLS through app.fts_<table> (migration 0016): the caller's tenant only, pages and filters
as the plain list, callable by the application role only, and no LEAKPROOF change to the catalog."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
import sqlalchemy as sa

from warehouse.db import tenant_tx
from warehouse.loop_connections import LoopConnections, read_in_one_round_trip
from warehouse.repositories.crm_tables import CONSULTANTS, REQUIREMENTS
from warehouse.repositories.records import list_query, opened


@pytest.fixture
def two_tenants(make_tenant, admin_engine):
    a, b = make_tenant(), make_tenant()
    with admin_engine.begin() as conn:
        for tenant, n in ((a, 7), (b, 3)):
            conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
            conn.execute(sa.text(
                "insert into crm.consultant (tenant_id, full_name, title, status, created_at) "
                "select :t, 'Quokka ' || g, 'Zanzibar Engineer', (array['bench','placed'])[1 + g % 2], "
                "now() - g * interval '1 minute' from generate_series(1, :n) g"), {"t": tenant, "n": n})
            conn.execute(sa.text(
                "insert into crm.requirement (tenant_id, title, status) values (:t, 'Zanzibar lead', 'open')"),
                {"t": tenant})
    return a, b


def _search(app_engine, tenant, spec=CONSULTANTS, **kwargs):
    """As the list route reads: the tenant's transaction and the statement in one round trip."""
    args = {"filters": {}, "q": "zanzibar", "after": None, "limit": 50} | kwargs
    query = list_query(spec, **args)
    connections = LoopConnections(app_engine)
    try:
        rows = asyncio.run(read_in_one_round_trip(connections, tenant, 15_000, query.sql, query.params))
    finally:
        connections.dispose()
    return opened(spec, rows)


def test_search_returns_only_the_callers_tenant(app_engine, two_tenants):
    a, b = two_tenants
    assert len(_search(app_engine, a)) == 7 and len(_search(app_engine, b)) == 3
    assert len(_search(app_engine, a, spec=REQUIREMENTS)) == 1


def test_search_pages_and_filters_like_the_plain_list(app_engine, two_tenants):
    a, _ = two_tenants
    everything = _search(app_engine, a)
    plain = _search(app_engine, a, q=None)
    assert [r["id"] for r in everything] == [r["id"] for r in plain]  # same order: newest first
    first = _search(app_engine, a, limit=3)
    rest = _search(app_engine, a, after=(first[-1]["created_at"], first[-1]["id"]))
    assert [r["id"] for r in first + rest] == [r["id"] for r in everything]
    bench = _search(app_engine, a, filters={"status": "bench"})
    assert [r["id"] for r in bench] == [r["id"] for r in everything if r["status"] == "bench"]


def _top(app_engine, tenant, query: str, statuses: list[str], max_rows: int) -> list:
    with tenant_tx(tenant, app_engine) as conn:
        return conn.execute(sa.text(
            "select id from app.fts_top_consultant(to_tsquery('english', :q), cast(:s as text[]), :n)"),
            {"q": query, "s": statuses, "n": max_rows}).scalars().all()


def test_the_candidate_text_source_ranks_the_callers_matchable_matches_and_returns_the_best_ids(
        app_engine, admin_engine, two_tenants):
    """app.fts_top_consultant (migration 0035): what the candidate query used to do to every whole match, inside."""
    a, b = two_tenants
    with admin_engine.begin() as conn:  # one of a's bench consultants matches both words: it ranks first
        best = conn.execute(sa.text(
            "update crm.consultant set summary = 'quokka wrangler' where id = (select id from crm.consultant "
            "where tenant_id = :t and status = 'bench' order by id limit 1) returning id"), {"t": a}).scalar_one()
    bench = [r["id"] for r in _search(app_engine, a, filters={"status": "bench"})]
    found = _top(app_engine, a, "zanzibar | wrangler", ["bench", "marketing"], 10)
    assert found[0] == best and sorted(found) == sorted(bench)  # the placed ones are not proposed
    assert len(_top(app_engine, a, "zanzibar", ["bench"], 2)) == 2
    assert _top(app_engine, b, "wrangler", ["bench", "placed"], 10) == []  # a's row, b's call
    assert _top(app_engine, a, "zanzibar", ["bench"], 0) == []


def test_the_search_functions_return_nothing_without_a_tenant(app_engine, two_tenants):
    with app_engine.connect() as conn:
        assert conn.execute(sa.text(
            "select count(*) from app.fts_consultant(to_tsquery('english', 'zanzibar'))")).scalar() == 0


def test_the_search_functions_refuse_unknown_filter_columns(app_engine, two_tenants):
    a, _ = two_tenants
    with tenant_tx(a, app_engine) as conn, pytest.raises(sa.exc.ProgrammingError, match="no column"):
        conn.execute(sa.text("select * from app.fts_consultant(to_tsquery('english', 'zanzibar'), "
                             "cast(:f as jsonb))"), {"f": '{"status; drop table x": "1"}'})


def test_only_the_application_role_may_call_the_search_functions(admin_engine):
    with admin_engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select p.proname, r.rolname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "cross join lateral aclexplode(p.proacl) a join pg_roles r on r.oid = a.grantee "
            "where n.nspname = 'app' and p.proname like 'fts_%' and a.privilege_type = 'EXECUTE' "
            "and not r.rolsuper order by 1, 2")).all()
        public = conn.execute(sa.text(
            "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'app' and p.proname like 'fts_%' and (p.proacl is null or "
            "exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))")).scalar()
    assert [tuple(r) for r in rows] == sorted((f"fts_{kind}{table}", "benchcrm_app")
                                              for kind in ("", "postings_", "top_")
                                              for table in ("consultant", "requirement"))
    assert public == 0


def test_ts_match_vq_is_not_leakproof(admin_engine):
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text(
            "select proleakproof from pg_proc where oid = 'pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure"
        )).scalar() is False


def test_a_role_without_the_grant_cannot_search(admin_engine):
    """The functions bypass RLS inside; a role that could set app.tenant_id must not get to call them."""
    url = admin_engine.url
    with admin_engine.begin() as conn:
        conn.exec_driver_sql("drop role if exists bcrm_test_stranger")
        conn.exec_driver_sql("create role bcrm_test_stranger login password 'stranger-pw'")
        conn.exec_driver_sql("grant usage on schema app to bcrm_test_stranger")
    try:
        dsn = url.set(drivername="postgresql", username="bcrm_test_stranger", password="stranger-pw")
        with psycopg.connect(dsn.render_as_string(hide_password=False)) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from app.fts_consultant(to_tsquery('english', 'java'))")
    finally:
        with admin_engine.begin() as conn:
            conn.exec_driver_sql("revoke usage on schema app from bcrm_test_stranger")
            conn.exec_driver_sql("drop role bcrm_test_stranger")
