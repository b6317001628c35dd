"""Per-tenant BI logins: the login's identity, not a setting the client chooses, decides which mart rows it reads."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from warehouse.bi_access import BiLoginError, bi_role_name, issue_bi_login


def _slug(admin_engine, tenant_id) -> str:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text("select slug from crm.tenant where id = :t"), {"t": tenant_id}).scalar()


def _connect(admin_engine, role: str, password: str) -> psycopg.Connection:
    url = admin_engine.url.set(drivername="postgresql", username=role, password=password)
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture(scope="module")
def world_login(built_marts, admin_engine):
    with admin_engine.begin() as conn:
        return issue_bi_login(conn, tenant_slug=_slug(admin_engine, built_marts.world.tenant_id))


def test_a_bi_login_reads_only_its_tenants_mart_rows_even_when_it_sets_another_tenant(
        built_marts, admin_engine, world_login):
    world, other = built_marts.world.tenant_id, built_marts.other_tenant
    with _connect(admin_engine, world_login.role, world_login.password) as conn:
        own = conn.execute("select count(*) from kpi_tenant_period").fetchone()[0]
        tenants = {r[0] for r in conn.execute("select distinct tenant_id from kpi_tenant_period")}
        conn.execute("select set_config('app.tenant_id', %s, false)", (str(other),))
        after = {r[0] for r in conn.execute("select distinct tenant_id from marts.kpi_tenant_period")}
        foreign = conn.execute("select count(*) from marts.fct_placements where tenant_id <> %s",
                               (world,)).fetchone()[0]
    with admin_engine.connect() as conn:
        other_rows = conn.execute(sa.text("select count(*) from marts.kpi_tenant_period where tenant_id = :o"),
                                  {"o": other}).scalar()
    assert own > 0 and other_rows > 0
    assert tenants == after == {world}
    assert foreign == 0


@pytest.mark.parametrize("relation", [
    "crm.consultant", "crm.tenant", "staging.stg_crm__submissions", "world.consultant_latent",
    "public.schema_migrations"])
def test_a_bi_login_cannot_read_anything_but_marts(admin_engine, world_login, relation):
    with _connect(admin_engine, world_login.role, world_login.password) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"select 1 from {relation} limit 1")


def test_a_bi_login_sees_only_its_own_mapping_and_cannot_write(built_marts, admin_engine, world_login):
    other_slug = _slug(admin_engine, built_marts.other_tenant)
    with admin_engine.begin() as conn:
        other_login = issue_bi_login(conn, tenant_slug=other_slug)
    with _connect(admin_engine, world_login.role, world_login.password) as conn:
        mappings = [r[0] for r in conn.execute("select role_name from app.bi_login")]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create temporary table t (x int)")
    assert mappings == [world_login.role] and other_login.role not in mappings


def test_issuing_again_rotates_the_password(built_marts, admin_engine):
    slug = _slug(admin_engine, built_marts.empty_tenant)
    with admin_engine.begin() as conn:
        first = issue_bi_login(conn, tenant_slug=slug)
    with admin_engine.begin() as conn:
        second = issue_bi_login(conn, tenant_slug=slug)
    assert (first.role, first.created, second.created) == (bi_role_name(slug), True, False)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(admin_engine, first.role, first.password)
    with _connect(admin_engine, second.role, second.password) as conn:
        assert conn.execute("select count(*) from kpi_tenant_period where tenant_id <> %s",
                            (built_marts.empty_tenant,)).fetchone()[0] == 0


def test_bi_logins_are_refused_for_unknown_tenants_and_foreign_roles(built_marts, admin_engine):
    # (no new tenant here: tenants created after the session's dbt build would fail the marts' own tests later)
    with admin_engine.begin() as conn, pytest.raises(BiLoginError, match="does not exist"):
        issue_bi_login(conn, tenant_slug="no-such-tenant-here")
    slug = _slug(admin_engine, built_marts.demo_tenant)
    with admin_engine.begin() as conn:
        conn.exec_driver_sql(f"create role {bi_role_name(slug)} nologin")
    try:
        with admin_engine.begin() as conn, pytest.raises(BiLoginError, match="not a BenchCRM BI login"):
            issue_bi_login(conn, tenant_slug=slug)
    finally:
        with admin_engine.begin() as conn:
            conn.exec_driver_sql(f"drop role {bi_role_name(slug)}")
