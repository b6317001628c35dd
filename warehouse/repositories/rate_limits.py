"""The shared token buckets (migration 0019): one atomic take per request, by the app role's SECURITY DEFINER
function, so every worker and replica draws from the same bucket."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from warehouse.db import Query

_DIALECT = PGDialect_psycopg()


def take_query(*, key: str, tenant_id: uuid.UUID | None, budget: str, rate: float, burst: float) -> Query:
    """Take one token from the bucket `key`; its one value is the seconds until one is available again (0: taken
    now). Run it in a transaction of its own, so the bucket's row lock lasts this one statement."""
    return Query("select app.rate_limit_take(:key, :tenant_id, :budget, :rate, :burst)",
                 {"key": key, "tenant_id": tenant_id, "budget": budget, "rate": rate, "burst": burst})


async def take_token(conn: psycopg.AsyncConnection, query: Query) -> float:
    """`take_query` on an autocommit connection."""
    cursor = await conn.execute(*query.for_driver(_DIALECT), prepare=True)
    row = await cursor.fetchone()
    assert row is not None  # the function always returns one row
    return float(row[0])
