"""The shared token buckets (migration 0019): one atomic take per request, by the app role's SECURITY DEFINER
function, so every worker and replica draws from the same bucket."""

from __future__ import annotations

import uuid

import sqlalchemy as sa


def take_token(conn: sa.Connection, *, key: str, tenant_id: uuid.UUID | None, budget: str, rate: float,
               burst: float) -> float:
    """Take one token from the bucket `key`; seconds until one is available again (0: taken now)."""
    return float(conn.execute(sa.text("select app.rate_limit_take(:key, :tenant, :budget, :rate, :burst)"),
                              {"key": key, "tenant": tenant_id, "budget": budget, "rate": rate, "burst": burst})
                 .scalar_one())
