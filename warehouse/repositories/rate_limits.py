"""The shared token buckets (migration 0019): one atomic take per request, by the app role's SECURITY DEFINER
function, so every worker and replica draws from the same bucket."""

from __future__ import annotations

import uuid

import psycopg

_TAKE = "select app.rate_limit_take(%s, %s, %s, %s, %s)"


async def take_token(conn: psycopg.AsyncConnection, *, key: str, tenant_id: uuid.UUID | None, budget: str,
                     rate: float, burst: float) -> float:
    """Take one token from the bucket `key`; seconds until one is available again (0: taken now). `conn` is in
    autocommit: the bucket's row lock lasts this one statement."""
    cursor = await conn.execute(_TAKE, (key, tenant_id, budget, rate, burst), prepare=True)
    row = await cursor.fetchone()
    assert row is not None  # the function always returns one row
    return float(row[0])
