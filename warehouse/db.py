"""Engines and units of work. Every unit of work the application runs is one transaction as the non-owner role
with `SET LOCAL app.tenant_id`, so Postgres RLS isolates tenants even if application code has a bug."""

from __future__ import annotations

import select
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.engine import URL, Connection, Engine, make_url

from warehouse.embedded import DatabaseUnavailable, admin_url
from warehouse.settings import Settings, get_settings


def _sqlalchemy_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg")


def app_url_from_admin(admin: str, settings: Settings) -> URL:
    """Same server and database, the application role instead of the owner."""
    from warehouse.credentials import app_db_password

    return _sqlalchemy_url(admin).set(username=settings.app_db_role, password=app_db_password(settings))


# A server that does not answer makes a connect fail in this many seconds (libpq's minimum is 2) instead of the
# OS's TCP timeout, and a request waits at most POOL_TIMEOUT_SECONDS for a pooled connection: during an outage the
# API answers 503 quickly rather than queueing. A refused connection (server stopped) fails at once anyway.
CONNECT_TIMEOUT_SECONDS = 2
POOL_TIMEOUT_SECONDS = 5
SEARCH_PATH_OPTION = "-c search_path=crm,public"


@lru_cache(maxsize=16)  # an application and an owner engine per placement server
def _engine(url: str, pool_size: int) -> Engine:
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,  # _check_on_checkout instead: a round trip only after an idle spell
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"options": SEARCH_PATH_OPTION, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    sa.event.listen(engine, "connect", register_vector)
    sa.event.listen(engine, "connect", _note_idle_from)
    sa.event.listen(engine, "checkin", _on_checkin)
    sa.event.listen(engine, "checkout", _check_on_checkout)
    return engine


# A connection that died with the server (stop, restart, failover, a terminated backend) must be replaced on
# checkout, never handed to a request. SQLAlchemy's pre-ping proves it with a round trip on EVERY checkout (a GET
# by id made six); we prove it without one when we can (docs/adr/0037). A server that closed the connection has
# written its FATAL message and EOF to the socket, so an idle connection with anything to read is dead. Only a
# connection idle for PING_AFTER_IDLE_SECONDS is pinged as well: a peer that vanished without closing (a dropped
# network path) leaves nothing to read. One that vanishes within that window fails its request with a 503, and
# SQLAlchemy then invalidates the whole pool.
PING_AFTER_IDLE_SECONDS = 10.0


def _note_idle_from(_dbapi_conn: Any, record: Any) -> None:
    record.info["idle_from"] = time.monotonic()


def _on_checkin(dbapi_conn: Any, record: Any) -> None:
    """Back to the pool's default, non-autocommit (set_tenant_and_timeout opens its transaction in autocommit
    mode); the pool's reset has already ended any transaction."""
    if dbapi_conn is not None and not dbapi_conn.closed and dbapi_conn.autocommit:
        try:
            dbapi_conn.autocommit = False
        except psycopg.Error:  # still in a transaction or broken: not to be used again
            record.invalidate()
    _note_idle_from(dbapi_conn, record)


def _has_input(dbapi_conn: Any) -> bool:
    poller = select.poll()
    poller.register(dbapi_conn.pgconn.socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _check_on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Raising DisconnectionError makes the pool discard this connection and check out another (or a new one)."""
    idle_from = record.info.get("idle_from", 0.0)
    try:
        if dbapi_conn.closed or dbapi_conn.broken or _has_input(dbapi_conn):
            raise sa.exc.DisconnectionError("the server closed this pooled connection")
        if time.monotonic() - idle_from >= PING_AFTER_IDLE_SECONDS:
            autocommit, dbapi_conn.autocommit = dbapi_conn.autocommit, True  # the ping opens no transaction
            try:
                dbapi_conn.execute(";")
            finally:
                if not dbapi_conn.closed:
                    dbapi_conn.autocommit = autocommit
    except (psycopg.Error, OSError) as exc:
        raise sa.exc.DisconnectionError(f"pooled connection is not usable: {exc}") from exc


def register_vector(dbapi_conn: Any, _record: Any = None) -> None:
    """pgvector's psycopg dumper for `pgvector.Vector` parameters (sent in binary), on each new connection. Only the
    Vector class is adapted, not every numpy array: an array parameter elsewhere keeps meaning an SQL array; and
    `vector` results keep arriving as text (the export and the features read them as such). A database without the
    extension yet (before migration 0001) gets no adapter; the migrator disposes its pool afterwards, so later
    connections have it."""
    from pgvector import Vector
    from pgvector.psycopg.vector import VectorBinaryDumper
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(dbapi_conn, "vector")
    if dbapi_conn.info.transaction_status != pq.TransactionStatus.IDLE:
        dbapi_conn.rollback()  # the lookup opened a transaction; hand SQLAlchemy a clean connection
    if info is None:
        return
    dbapi_conn.adapters.register_dumper(Vector, type("VectorDumper", (VectorBinaryDumper,), {"oid": info.oid}))


def admin_engine(settings: Settings | None = None) -> Engine:
    """The owner's engine: migrations, seeding, dbt-like maintenance. Never used on the API request path."""
    settings = settings or get_settings()
    return _engine(_sqlalchemy_url(admin_url(settings)).render_as_string(hide_password=False), 2)


def app_engine(settings: Settings | None = None) -> Engine:
    """The application role's engine (no ownership, no BYPASSRLS)."""
    settings = settings or get_settings()
    url = app_url_from_admin(admin_url(settings), settings).render_as_string(hide_password=False)
    return _engine(url, 10)


def ping(engine: Engine) -> None:
    """One round trip (`select 1`); raises whatever the driver raises when the server does not answer."""
    with engine.connect() as conn:
        conn.execute(sa.text("select 1"))


def check_reachable(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a one-line cause if the server does not answer."""
    try:
        ping(engine)
    except Exception as exc:  # the driver's message is the useful part
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailable(f"database unreachable: {cause}") from exc


def set_tenant(conn: Connection, tenant_id: uuid.UUID | str) -> None:
    conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(uuid.UUID(str(tenant_id)))})


def set_statement_timeout(conn: Connection, milliseconds: int) -> None:
    """Bound every statement of this transaction (`set local`: it ends with the transaction)."""
    conn.exec_driver_sql(f"set local statement_timeout = {int(milliseconds)}")


TENANT_AND_TIMEOUT = "select set_config('app.tenant_id', %s, true), set_config('statement_timeout', %s, true)"


def set_tenant_and_timeout(conn: Connection, tenant_id: uuid.UUID | str, milliseconds: int) -> None:
    """Open the transaction with `set_tenant` and `set_statement_timeout` in one round trip: `set_config(...,
    true)` is `SET LOCAL`, and the BEGIN is ours (`_pipeline_from_begin`; docs/adr/0037, ADR 0026 had assumed psycopg's
    own BEGIN was pipelined). It goes to the driver directly (SQLAlchemy's statement events do not see it),
    so its errors are handed back the way SQLAlchemy hands back its own: as a `DBAPIError`, with a dropped
    connection invalidated."""
    driver = conn.connection.driver_connection
    if driver.info.transaction_status != pq.TransactionStatus.IDLE:
        raise RuntimeError("set_tenant_and_timeout opens the transaction: call it first")
    try:
        with _pipeline_from_begin(driver, tenant_id, milliseconds):
            pass
    except psycopg.Error as exc:
        raise _driver_error(conn, driver, TENANT_AND_TIMEOUT, (tenant_id, milliseconds), exc) from exc


def query_with_local_settings(conn: Connection, settings: dict[str, str], sql: str, params: dict[str, Any]
                              ) -> list[tuple]:
    """`SET LOCAL` each of `settings`, then one statement (SQLAlchemy `:named` parameters), in ONE round trip on the
    connection's open transaction: a pipeline sends them with one sync. Each round trip a request saves is a wake-up
    of the API and of a backend that, under load, waits for a core (docs/adr/0038). Rows as tuples."""
    compiled = compiled_statement(sql, conn.dialect)
    args = compiled.construct_params(params)
    driver = conn.connection.driver_connection
    try:
        with driver.pipeline():
            for name, value in settings.items():
                driver.execute("select set_config(%s, %s, true)", (name, value))
            cursor = driver.execute(str(compiled), args)
        return cursor.fetchall()
    except psycopg.Error as exc:
        raise _driver_error(conn, driver, sql, args, exc) from exc


@lru_cache(maxsize=64)
def compiled_statement(sql: str, dialect: sa.Dialect) -> sa.sql.compiler.Compiled:
    """A statement compiled once (parsing its parameters cost more than a hot query's own round trip's CPU)."""
    return sa.text(sql).compile(dialect=dialect)


def tenant_settings(tenant_id: uuid.UUID | str, milliseconds: int) -> tuple[str, str]:
    """`TENANT_AND_TIMEOUT`'s parameters; a bad tenant id raises here, before anything is sent."""
    return str(uuid.UUID(str(tenant_id))), str(int(milliseconds))


@contextmanager
def _pipeline_from_begin(driver: psycopg.Connection, tenant_id: uuid.UUID | str, milliseconds: int
                         ) -> Iterator[None]:
    """A pipeline whose first statements are BEGIN and the transaction's `SET LOCAL`s; whatever the block adds
    goes with them, all sent with the pipeline's one sync at the end. In autocommit mode psycopg adds no BEGIN of
    its own (which it would sync and wait for); the mode is set before the pipeline, where setting it would cost a
    sync too. psycopg's commit and rollback go by the server's transaction status, and checkin turns autocommit
    off again."""
    params = tenant_settings(tenant_id, milliseconds)
    driver.autocommit = True
    with driver.pipeline():
        driver.execute("BEGIN")
        driver.execute(TENANT_AND_TIMEOUT, params)
        yield


def _driver_error(conn: Connection, driver: psycopg.Connection, statement: str, params: Any,
                  exc: psycopg.Error) -> sa.exc.DBAPIError:
    """A driver error as SQLAlchemy would have raised it (the API maps `DBAPIError`s to problems), with a dropped
    connection invalidated so the pool does not hand it out again."""
    lost = driver.broken or driver.closed
    if lost:
        conn.invalidate(exc)
    return sa.exc.DBAPIError.instance(statement, params, exc, psycopg.Error, connection_invalidated=lost)


@contextmanager
def tenant_tx(tenant_id: uuid.UUID | str, engine: Engine | None = None) -> Iterator[Connection]:
    """One transaction scoped to one tenant, as the application role."""
    engine = engine or app_engine()
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        yield conn


@contextmanager
def admin_tx(engine: Engine | None = None) -> Iterator[Connection]:
    engine = engine or admin_engine()
    with engine.begin() as conn:
        yield conn
