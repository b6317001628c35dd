"""Transaction settings the API applies to every request's connection."""

from __future__ import annotations

import tempfile

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
    """Like `SET LOCAL`, neither outlives the transaction, and the connection goes back to the pool as it came
    (non-autocommit, idle)."""
    tenant = make_tenant()
    for _ in range(app_engine.pool.size() + 1):  # whichever pooled connection comes next
        with app_engine.begin() as conn:
            set_tenant_and_timeout(conn, tenant, 1234)
            assert conn.execute(sa.text(
                "select current_setting('app.tenant_id'), current_setting('statement_timeout'), count(*), "
                "now() < statement_timestamp() from crm.tenant, pg_sleep(0.001)")).one() == (
                    str(tenant), "1234ms", 1, True)  # one transaction, begun before this statement
    for _ in range(app_engine.pool.size() + 1):
        with app_engine.begin() as conn:
            driver = conn.connection.driver_connection
            assert not driver.autocommit
            assert conn.execute(sa.text(
                "select coalesce(current_setting('app.tenant_id', true), ''), current_setting('statement_timeout'),"
                " count(*) from crm.tenant")).one() == ("", "0", 0)


def test_begin_and_the_settings_are_one_round_trip(app_engine, make_tenant):
    """psycopg sends its own BEGIN with a sync of its own and waits for it; ours goes with the settings."""
    tenant = make_tenant()
    one = sa.create_engine(app_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    try:
        with tempfile.TemporaryFile("w+") as trace:
            with one.connect() as conn:  # the pool's one connection, traced from here on
                conn.connection.driver_connection.pgconn.trace(trace.fileno())
            with one.begin() as conn:
                set_tenant_and_timeout(conn, tenant, 1000)
            with one.connect() as conn:
                conn.connection.driver_connection.pgconn.untrace()
            trace.seek(0)
            sent = [[*line.split("\t"), ""][3:5] for line in trace.read().splitlines()
                    if line.split("\t")[1:2] == ["F"]]
    finally:
        one.dispose()
    first_sync = [kind for kind, _ in sent].index("Sync")
    parsed = [text.split('"')[3] for kind, text in sent[:first_sync] if kind == "Parse"]
    assert parsed[0] == "BEGIN" and parsed[1].startswith("select set_config('app.tenant_id'"), sent
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
