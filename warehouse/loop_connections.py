"""Async autocommit connections to one server, a few kept idle per event loop: for the statements the API awaits on
its event loop, so they cost a request no worker-thread hop (docs/adr/0037, 0039): the rate limit's lease and a
read route's one statement (`read_in_one_round_trip`).

Each event loop has its own idle list (each uvicorn worker runs one loop; each TestClient another), and a semaphore
bounds how many connections a loop opens; a request that finds none free within `POOL_TIMEOUT_SECONDS` gets the
sync pool's `TimeoutError` (503). A connection is handed back only after its work succeeded; one that
raised is closed, since its transaction state is unknown. A pooled connection that went stale (a server restart) is
retried once on a fresh one, so only idempotent work belongs here, and a database that does not answer raises the
`DBAPIError` every other query raises (the API answers 503).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.db import (
    CONNECT_TIMEOUT_SECONDS,
    POOL_TIMEOUT_SECONDS,
    SEARCH_PATH_OPTION,
    TENANT_AND_TIMEOUT,
    compiled_statement,
    tenant_settings,
)

T = TypeVar("T")


@dataclass
class _LoopPool:
    slots: asyncio.Semaphore
    idle: list[psycopg.AsyncConnection] = field(default_factory=list)


class LoopConnections:
    """Connections as `engine`'s role to `engine`'s server, at most `size` per event loop."""

    def __init__(self, engine: Engine, size: int = 4, *, wait_s: float = POOL_TIMEOUT_SECONDS) -> None:
        _, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args = {**params, "connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": SEARCH_PATH_OPTION}
        self.dialect = engine.dialect
        self._size, self._wait_s = size, wait_s
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _pool(self) -> _LoopPool:
        loop = asyncio.get_running_loop()
        with self._lock:
            pool = self._pools.get(loop)
            if pool is None:
                pool = self._pools[loop] = _LoopPool(asyncio.Semaphore(self._size))
            return pool

    async def run(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]], statement: str, params: Any) -> T:
        """`work` on a pooled connection; `statement` and `params` name it in the error it may raise."""
        pool = self._pool()
        try:
            async with asyncio.timeout(self._wait_s):
                await pool.slots.acquire()
        except TimeoutError:  # every connection stuck (a dying server): 503, as the sync pool's timeout answers
            raise sa.exc.TimeoutError(f"no connection of this event loop was free within {self._wait_s:g} s") from None
        try:
            for attempt in (1, 2):
                conn = pool.idle.pop() if pool.idle and attempt == 1 else None
                pooled = conn is not None
                try:
                    if conn is None:
                        conn = await psycopg.AsyncConnection.connect(autocommit=True, **self._connect_args)
                    result = await work(conn)
                except psycopg.Error as exc:
                    lost = isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
                    if conn is not None:
                        _close(conn)
                    if attempt == 1 and pooled and lost:
                        while pool.idle:  # they most likely died with it (a server restart): start afresh
                            _close(pool.idle.pop())
                        continue
                    raise sa.exc.DBAPIError.instance(statement, params, exc, psycopg.Error,
                                                     connection_invalidated=lost) from exc
                except BaseException:  # cancelled mid-statement (shutdown), or a bug: the state is unknown
                    if conn is not None:
                        _close(conn)
                    raise
                pool.idle.append(conn)
                return result
        finally:
            pool.slots.release()
        raise AssertionError("unreachable: the second attempt returns or raises")

    def dispose(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), weakref.WeakKeyDictionary()
        for pool in pools:
            while pool.idle:
                _close(pool.idle.pop())


async def read_in_one_round_trip(connections: LoopConnections, tenant_id: uuid.UUID | str, milliseconds: int,
                                 sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One read-only statement (SQLAlchemy `:named` parameters) in the tenant's own transaction, in ONE round
    trip, awaited on the event loop: the pipeline sends BEGIN, the `SET LOCAL`s of `set_tenant_and_timeout`, the
    statement and COMMIT together. `engine.begin()`, `set_tenant_and_timeout`, the statement and the commit take
    three round trips, and under load each waits for a core twice (docs/adr/0037); a worker thread costs a request
    two more wake-ups (docs/adr/0039)."""
    compiled = compiled_statement(sql, connections.dialect)
    args = compiled.construct_params(params)
    settings = tenant_settings(tenant_id, milliseconds)

    async def read(conn: psycopg.AsyncConnection) -> list[dict[str, Any]]:
        async with conn.pipeline():
            await conn.execute("BEGIN")
            await conn.execute(TENANT_AND_TIMEOUT, settings)
            cursor = await conn.execute(str(compiled), args)
            await conn.execute("COMMIT")
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    return await connections.run(read, sql, args)


def _close(conn: psycopg.AsyncConnection) -> None:
    """Closes at the libpq level, which needs no event loop (the pool may outlive the loop that opened it)."""
    if not conn.closed:
        conn.pgconn.finish()
