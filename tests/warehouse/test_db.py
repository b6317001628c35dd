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
