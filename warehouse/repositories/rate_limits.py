"""The shared token buckets (migrations 0019, 0040): one atomic call per lease, by the app role's SECURITY DEFINER
function, so every worker and replica draws from the same bucket."""

from __future__ import annotations

import uuid

import psycopg

_LEASE = "select granted, wait from app.rate_limit_lease(%s, %s, %s, %s, %s, %s)"


async def lease_tokens(conn: psycopg.AsyncConnection, *, key: str, tenant_id: uuid.UUID | None, budget: str,
                       rate: float, burst: float, want: int) -> tuple[int, float]:
    """Take up to `want` tokens from the bucket `key`: (tokens granted, seconds until one is available again when
    none was). The bucket lends more than one only while it stays at least half full. `conn` is in autocommit: the
    bucket's row lock lasts this one statement."""
    cursor = await conn.execute(_LEASE, (key, tenant_id, budget, rate, burst, want), prepare=True)
    row = await cursor.fetchone()
    assert row is not None  # the function always returns one row
    return int(row[0]), float(row[1])
