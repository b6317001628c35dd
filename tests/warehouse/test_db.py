"""Transaction settings the API applies to every request's connection."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.db import set_statement_timeout


def test_a_statement_timeout_holds_for_the_transaction_only(admin_engine):
    with admin_engine.begin() as conn:
        set_statement_timeout(conn, 1234)
        assert conn.execute(sa.text("show statement_timeout")).scalar() == "1234ms"
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("show statement_timeout")).scalar() != "1234ms"
