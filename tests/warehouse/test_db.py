"""Transaction settings the API applies to every request's connection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from warehouse.db import set_statement_timeout, set_tenant_and_timeout


def test_a_statement_timeout_holds_for_the_transaction_only(admin_engine):
    with admin_engine.begin() as conn:
        set_statement_timeout(conn, 1234)
        assert conn.execute(sa.text("show statement_timeout")).scalar() == "1234ms"
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("show statement_timeout")).scalar() != "1234ms"



def test_tenant_and_timeout_are_set_for_the_transaction_only(app_engine, make_tenant):
    """One round trip sets both (docs/adr/0026); like `SET LOCAL`, neither outlives the transaction."""
    tenant = make_tenant()
    with app_engine.connect() as conn:
        with conn.begin():
            set_tenant_and_timeout(conn, tenant, 1234)
            assert conn.execute(sa.text(
                "select current_setting('app.tenant_id'), current_setting('statement_timeout'), count(*) "
                "from crm.tenant")).one() == (str(tenant), "1234ms", 1)
        with conn.begin():
            assert conn.execute(sa.text(
                "select coalesce(current_setting('app.tenant_id', true), ''), current_setting('statement_timeout'),"
                " count(*) from crm.tenant")).one() == ("", "0", 0)
    with pytest.raises(ValueError), app_engine.begin() as conn:
        set_tenant_and_timeout(conn, "not-a-uuid", 1000)


def test_a_connection_lost_before_the_settings_is_a_database_error_and_leaves_the_pool(app_engine, admin_engine,
                                                                                        make_tenant):
    """The settings go to the driver directly; a dropped connection must still surface as SQLAlchemy's error (the
    API answers 503 for it) and be invalidated, like any statement SQLAlchemy runs itself."""
    tenant = make_tenant()
    with app_engine.connect() as conn:
        pid = conn.execute(sa.text("select pg_backend_pid()")).scalar_one()
        conn.rollback()
        with admin_engine.begin() as admin:
            assert admin.execute(sa.text("select pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        with pytest.raises(sa.exc.OperationalError) as raised, conn.begin():
            set_tenant_and_timeout(conn, tenant, 1000)
        assert raised.value.connection_invalidated and conn.invalidated
    with app_engine.begin() as conn:  # the pool hands out a working connection next
        set_tenant_and_timeout(conn, tenant, 1000)
        assert conn.execute(sa.text("select current_setting('app.tenant_id')")).scalar_one() == str(tenant)
