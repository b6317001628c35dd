"""Postgres RLS isolates every tenant table: tenant A cannot read, update, delete or insert tenant B's rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import populate_every_tenant_table
from warehouse.db import set_tenant


def _tenant_tables(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.text(
        "select c.table_name from information_schema.columns c join information_schema.tables t "
        "using (table_schema, table_name) where c.table_schema = 'crm' and c.column_name = 'tenant_id' "
        "and t.table_type = 'BASE TABLE'")).scalars())


@pytest.fixture(scope="module")
def two_tenants(admin_engine):
    from warehouse.repositories.tenants import ensure_tenant

    with admin_engine.begin() as conn:
        a = ensure_tenant(conn, slug="iso-a")
        b = ensure_tenant(conn, slug="iso-b")
        rows_b = populate_every_tenant_table(conn, b)
    with admin_engine.begin() as conn:
        populate_every_tenant_table(conn, a)
    return a, b, rows_b


def test_every_tenant_table_has_forced_rls_and_a_factory_row(admin_engine, two_tenants):
    _, _, rows_b = two_tenants
    with admin_engine.connect() as conn:
        tables = _tenant_tables(conn)
        flags = dict(conn.execute(sa.text(
            "select relname, relrowsecurity and relforcerowsecurity from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'crm' and c.relkind in ('r', 'p')")).all())
    assert tables - {"tenant"} == set(rows_b), "every tenant table needs a row in tests/factories.py"
    assert all(flags[t] for t in tables), {t for t in tables if not flags[t]}


def test_tenant_a_reads_no_row_of_tenant_b(app_engine, two_tenants):
    a, b, _ = two_tenants
    with app_engine.begin() as conn:
        set_tenant(conn, a)
        for table in sorted(_tenant_tables(conn)):
            own = conn.execute(sa.text(f"select count(*) from crm.{table}")).scalar()
            theirs = conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :b"),
                                  {"b": b}).scalar()
            assert (table, theirs) == (table, 0)
            assert own >= 1, f"{table}: tenant A should see its own row"


def test_tenant_a_updates_and_deletes_no_row_of_tenant_b(app_engine, admin_engine, two_tenants):
    a, b, _ = two_tenants
    with app_engine.begin() as conn:
        set_tenant(conn, a)
        tables = sorted(_tenant_tables(conn))
        for table in tables:
            column = conn.execute(sa.text(
                "select column_name from information_schema.columns where table_schema = 'crm' "
                "and table_name = :t and is_generated = 'NEVER' and column_name <> 'tenant_id' "
                "order by ordinal_position limit 1"), {"t": table}).scalar()
            updated = conn.execute(
                sa.text(f"update crm.{table} set {column} = {column} where tenant_id = :b"), {"b": b}).rowcount
            deleted = conn.execute(sa.text(f"delete from crm.{table} where tenant_id = :b"), {"b": b}).rowcount
            assert (table, updated, deleted) == (table, 0, 0)
    with admin_engine.connect() as conn:
        for table in tables:
            assert conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :b"),
                                {"b": b}).scalar() >= 1, table


def test_tenant_a_cannot_insert_rows_for_tenant_b(app_engine, two_tenants):
    a, b, rows_b = two_tenants
    for table, row in sorted(rows_b.items()):
        if table in {"entity_tag", "idempotency_key", "ai_cache"}:
            forged = {**row, "tenant_id": b, "key": "forged"} if table == "idempotency_key" else {**row}
        else:
            forged = {k: v for k, v in row.items() if k != "id"}
        forged["tenant_id"] = b
        cols = ", ".join(forged)
        vals = ", ".join(f":{k}" for k in forged)
        with app_engine.connect() as conn, conn.begin():
            set_tenant(conn, a)
            with pytest.raises(sa.exc.DBAPIError, match=r"row-level security|violates"):
                conn.execute(sa.text(f"insert into crm.{table} ({cols}) values ({vals})"), forged)


def test_tenant_a_cannot_move_its_rows_into_tenant_b(app_engine, two_tenants):
    a, b, _ = two_tenants
    with app_engine.connect() as conn, conn.begin():
        set_tenant(conn, a)
        with pytest.raises(sa.exc.DBAPIError, match="row-level security"):
            conn.execute(sa.text("update crm.consultant set tenant_id = :b"), {"b": b})


def test_a_connection_without_a_tenant_sees_zero_rows(app_engine, two_tenants):
    with app_engine.connect() as conn:
        for table in sorted(_tenant_tables(conn)):
            assert (table, conn.execute(sa.text(f"select count(*) from crm.{table}")).scalar()) == (table, 0)
