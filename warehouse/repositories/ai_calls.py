"""crm.ai_call (one row per model call: tokens, cost, latency, status) and crm.ai_cache (outputs by input hash),
both per tenant."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa


def tokens_used_today(conn: sa.Connection, tenant_id: uuid.UUID | str) -> int:
    """Prompt + completion tokens of this tenant since UTC midnight."""
    return int(conn.execute(sa.text(
        "select coalesce(sum(prompt_tokens + completion_tokens), 0) from crm.ai_call "
        "where tenant_id = :t and created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'"
    ), {"t": str(tenant_id)}).scalar_one())


def record_call(conn: sa.Connection, tenant_id: uuid.UUID | str, *, provider: str, model: str, purpose: str,
                input_hash: str, latency_ms: float, status: str, cached: bool, prompt_tokens: int,
                completion_tokens: int, cost_usd: float) -> None:
    conn.execute(sa.text(
        "insert into crm.ai_call (tenant_id, provider, model, purpose, input_hash, prompt_tokens, "
        "completion_tokens, cost_usd, latency_ms, status, cached) values (:t, :p, :m, :purpose, :h, :pt, :ct, "
        ":cost, :lat, :status, :cached)"
    ), {"t": str(tenant_id), "p": provider, "m": model, "purpose": purpose, "h": input_hash, "pt": prompt_tokens,
        "ct": completion_tokens, "cost": cost_usd, "lat": latency_ms, "status": status[:200], "cached": cached})


def cached_output(conn: sa.Connection, tenant_id: uuid.UUID | str, *, provider: str, input_hash: str
                  ) -> dict[str, Any] | None:
    row = conn.execute(sa.text(
        "select output from crm.ai_cache where tenant_id = :t and provider = :p and input_hash = :h"
    ), {"t": str(tenant_id), "p": provider, "h": input_hash}).first()
    return row[0] if row else None


def cache_output(conn: sa.Connection, tenant_id: uuid.UUID | str, *, provider: str, input_hash: str,
                 output_json: str) -> None:
    conn.execute(sa.text(
        "insert into crm.ai_cache (tenant_id, input_hash, provider, output) values (:t, :h, :p, cast(:o as jsonb)) "
        "on conflict (tenant_id, provider, input_hash) do update set output = excluded.output, created_at = now()"
    ), {"t": str(tenant_id), "h": input_hash, "p": provider, "o": output_json})
