"""`read_in_one_round_trip`: a read route's whole transaction (BEGIN, tenant and timeout, the statement, COMMIT) in
one network round trip on the event loop's connections (docs/adr/0037, 0039), with the same isolation, timeout and clean hand-back as the usual unit; and
`query_with_local_settings`, a statement with its `SET LOCAL`s in one (docs/adr/0038)."""

from __future__ import annotations

import asyncio
import tempfile
import uuid

import pytest
import sqlalchemy as sa
from psycopg import errors, pq

from warehouse.db import query_with_local_settings, tenant_tx
from warehouse.loop_connections import LoopConnections, read_in_one_round_trip

NAMES = "select full_name from crm.consultant where full_name like :prefix order by full_name"


@pytest.fixture
def two_tenants(make_tenant, app_engine):
    prefix = f"rt-{uuid.uuid4().hex[:8]}-"
    a, b = make_tenant(), make_tenant()
    for tenant, name in ((a, "a1"), (a, "a2"), (b, "b1")):
        with tenant_tx(tenant, app_engine) as conn:
            conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, :n)"),
                         {"t": tenant, "n": prefix + name})
    return prefix, a, b


def _read(app_engine, steps) -> list:
    """Run `steps(connections)` (a coroutine function) on a fresh event loop and `LoopConnections`."""
    connections = LoopConnections(app_engine, size=1)
    try:
        return asyncio.run(steps(connections))
    finally:
        connections.dispose()


def _sent(trace) -> list[str]:
    trace.seek(0)
    return [line.split("\t")[3] for line in trace.read().splitlines() if line.split("\t")[1:2] == ["F"]]


def test_reads_only_the_tenants_rows_with_named_parameters(app_engine, two_tenants):
    prefix, a, b = two_tenants

    async def both(connections):
        return {t: await read_in_one_round_trip(connections, t, 5_000, NAMES, {"prefix": prefix + "%"})
                for t in (a, b)}

    assert _read(app_engine, both) == {a: [{"full_name": prefix + "a1"}, {"full_name": prefix + "a2"}],
                                       b: [{"full_name": prefix + "b1"}]}


def test_the_whole_transaction_is_one_sync_with_the_server(app_engine, two_tenants):
    prefix, a, _ = two_tenants

    async def traced(connections):
        await read_in_one_round_trip(connections, a, 5_000, "select 1", {})  # opens the loop's one connection
        conn = connections._pool().idle[0]
        with tempfile.TemporaryFile("w+") as trace:
            conn.pgconn.trace(trace.fileno())
            rows = await read_in_one_round_trip(connections, a, 5_000, NAMES, {"prefix": prefix + "%"})
            conn.pgconn.untrace()
            return rows, _sent(trace)

    rows, sent = _read(app_engine, traced)
    assert len(rows) == 2
    assert sent.count("Sync") == 1, sent
    assert [m for m in sent if m in ("Query", "Sync")] == ["Sync"]  # no statement went on its own


def test_the_timeout_applies_and_the_connection_is_handed_back_clean(app_engine, two_tenants):
    """A failed read's connection is closed, never handed back mid-transaction; a good read's connection keeps no
    tenant and no timeout after its transaction."""
    _, a, _ = two_tenants

    async def steps(connections):
        with pytest.raises(sa.exc.DBAPIError) as raised:
            await read_in_one_round_trip(connections, a, 50, "select pg_sleep(2)", {})
        assert isinstance(raised.value.orig, errors.QueryCanceled)
        assert connections._pool().idle == []
        assert await read_in_one_round_trip(connections, a, 5_000, "select 1 as one", {}) == [{"one": 1}]
        conn = connections._pool().idle[0]
        cursor = await conn.execute(
            "select current_setting('app.tenant_id', true), current_setting('statement_timeout')")
        return conn.info.transaction_status, await cursor.fetchone()

    status, (tenant, timeout) = _read(app_engine, steps)
    assert status == pq.TransactionStatus.IDLE and (tenant or "", timeout) == ("", "0")


def test_a_pooled_connection_the_server_dropped_is_replaced_once(app_engine, admin_engine, two_tenants):
    prefix, a, _ = two_tenants

    async def steps(connections):
        await read_in_one_round_trip(connections, a, 5_000, "select 1", {})
        stale = connections._pool().idle[0]
        with admin_engine.connect() as admin:  # as a server restart or an idle-session timeout would
            admin.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": stale.info.backend_pid})
        rows = await read_in_one_round_trip(connections, a, 5_000, NAMES, {"prefix": prefix + "%"})
        return rows, stale.closed, connections._pool().idle[0] is not stale

    rows, stale_closed, replaced = _read(app_engine, steps)
    assert len(rows) == 2 and stale_closed and replaced


def test_local_settings_and_a_statement_go_in_one_sync_and_end_with_the_transaction(app_engine, two_tenants):
    """`query_with_local_settings`: the candidate query's `hnsw.ef_search` and the query in one round trip."""
    prefix, a, _ = two_tenants
    sql = NAMES.replace("select full_name", "select full_name, current_setting('hnsw.ef_search')")
    with tempfile.TemporaryFile("w+") as trace:
        with tenant_tx(a, app_engine) as conn:
            driver = conn.connection.driver_connection
            conn.execute(sa.text("select 1"))  # the transaction is open: what follows is the function's alone
            driver.pgconn.trace(trace.fileno())
            rows = query_with_local_settings(conn, {"hnsw.ef_search": "77"}, sql, {"prefix": prefix + "%"})
            driver.pgconn.untrace()
        trace.seek(0)
        sent = [line.split("\t")[3] for line in trace.read().splitlines() if line.split("\t")[1:2] == ["F"]]
        with app_engine.connect() as conn:
            assert conn.execute(sa.text("select current_setting('hnsw.ef_search', true)")).scalar() != "77"
    assert rows == [(prefix + "a1", "77"), (prefix + "a2", "77")]
    assert sent.count("Sync") == 1 and "Query" not in sent, sent


def test_local_settings_errors_come_back_as_sqlalchemy_errors(app_engine, two_tenants):
    _, a, _ = two_tenants
    with pytest.raises(sa.exc.DBAPIError) as raised, tenant_tx(a, app_engine) as conn:
        query_with_local_settings(conn, {"statement_timeout": "50"}, "select pg_sleep(2)", {})
    assert isinstance(raised.value.orig, errors.QueryCanceled)


def test_a_read_that_finds_every_connection_busy_times_out_as_the_sync_pool_does(app_engine, two_tenants):
    """503 (the API maps SQLAlchemy's pool `TimeoutError`), not a wait as long as the stuck statement."""
    _, a, _ = two_tenants
    connections = LoopConnections(app_engine, size=1, wait_s=0.2)

    async def both():
        slow = asyncio.create_task(read_in_one_round_trip(connections, a, 5_000, "select pg_sleep(1) as s", {}))
        await asyncio.sleep(0.05)  # the slow read holds the loop's one connection
        with pytest.raises(sa.exc.TimeoutError, match=r"free within 0\.2 s"):
            await read_in_one_round_trip(connections, a, 5_000, "select 1", {})
        return await slow

    try:
        assert asyncio.run(both()) == [{"s": ""}]
    finally:
        connections.dispose()
