"""Rate limits shared by every API worker and replica: a token bucket per key in Postgres (docs/adr/0020).

Three budgets, each a steady rate and a burst: `api` per tenant (every authenticated request), `expensive` per
tenant (extraction and imports, charged on top of `api`), and `anonymous` per client address (requests without a
valid token). One call of `app.rate_limit_take` refills and takes atomically, so the limit holds however many
processes serve; a tenant's row in `ratelimit.tenant_policy` overrides the defaults from settings.
"""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Literal

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.db import CONNECT_TIMEOUT_SECONDS
from warehouse.repositories.rate_limits import take_token
from warehouse.settings import Settings

BudgetName = Literal["api", "expensive", "anonymous"]



@dataclass(frozen=True)
class Budget:
    rate_per_second: float
    burst: float

    def describe(self) -> str:
        return f"{self.rate_per_second:g} requests per second, bursts of {self.burst:g}"


def budgets_from_settings(settings: Settings) -> dict[BudgetName, Budget]:
    return {
        "api": Budget(settings.rate_limit_rps, settings.rate_limit_burst),
        "expensive": Budget(settings.rate_limit_expensive_rps, settings.rate_limit_expensive_burst),
        "anonymous": Budget(settings.rate_limit_anonymous_rps, settings.rate_limit_anonymous_burst),
    }


def bucket_key(budget: BudgetName, subject: uuid.UUID | str) -> str:
    """The bucket a request draws from; the subject is a tenant id (api, expensive) or a client address."""
    return f"{budget}:{subject}"


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


class SharedRateLimiter:
    """Takes tokens on the event loop, through its own small autocommit pool per loop: the take must not wait
    behind, or hold a row lock for, a request's transaction, and awaiting it costs the request no worker-thread
    hop (docs/adr/0037). One round trip per take; a pooled connection that went stale is retried once on a fresh
    one, and a database that does not answer raises the `DBAPIError` every other query raises (503)."""

    def __init__(self, engine: Engine, budgets: dict[BudgetName, Budget], pool_size: int = 4) -> None:
        self.budgets = budgets
        _, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args = {**params, "connect_timeout": CONNECT_TIMEOUT_SECONDS}
        self._pool_size = pool_size
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _pool(self) -> _LoopPool:
        loop = asyncio.get_running_loop()
        with self._lock:  # each TestClient (and each uvicorn worker) runs its own loop
            pool = self._pools.get(loop)
            if pool is None:
                pool = self._pools[loop] = _LoopPool(asyncio.Semaphore(self._pool_size))
            return pool

    async def take(self, budget: BudgetName, subject: uuid.UUID | str, *,
                   tenant_id: uuid.UUID | None = None) -> float | None:
        """None if the request may proceed, else the seconds until the bucket holds a token again."""
        spec = self.budgets[budget]
        params = {"key": bucket_key(budget, subject), "tenant_id": tenant_id, "budget": budget,
                  "rate": spec.rate_per_second, "burst": spec.burst}
        pool = self._pool()
        async with pool.slots:
            for attempt in (1, 2):
                conn = pool.idle.pop() if pool.idle and attempt == 1 else None
                pooled = conn is not None
                try:
                    if conn is None:
                        conn = await psycopg.AsyncConnection.connect(autocommit=True, **self._connect_args)
                    wait = await take_token(conn, **params)
                except psycopg.Error as exc:
                    lost = isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
                    if conn is not None:
                        _close(conn)
                    if attempt == 1 and pooled and lost:
                        while pool.idle:  # they most likely died with it (a server restart): start afresh
                            _close(pool.idle.pop())
                        continue
                    raise sa.exc.DBAPIError.instance("select app.rate_limit_take(...)", params, exc, psycopg.Error,
                                                     connection_invalidated=lost) from exc
                pool.idle.append(conn)
                return wait if wait > 0 else None
        raise AssertionError("unreachable: the second attempt returns or raises")

    def dispose(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), weakref.WeakKeyDictionary()
        for pool in pools:
            while pool.idle:
                _close(pool.idle.pop())


@dataclass
class _LoopPool:
    slots: asyncio.Semaphore
    idle: list[psycopg.AsyncConnection] = field(default_factory=list)


def _close(conn: psycopg.AsyncConnection) -> None:
    """Closes at the libpq level, which needs no event loop (the pool may outlive the loop that opened it)."""
    if not conn.closed:
        conn.pgconn.finish()
