"""Idempotency keys: the first response to a (tenant, key) is stored and replayed for retries."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa


def lock_key(conn: sa.Connection, *, tenant_id: uuid.UUID, key: str) -> None:
    """Serialize concurrent requests carrying the same key until the first one's transaction ends."""
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{tenant_id}:{key}"})


def find(conn: sa.Connection, *, key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.text(
        "select method, path, request_hash, status_code, response from crm.idempotency_key where key = :k"),
        {"k": key}).mappings().first()
    return dict(row) if row else None


def store(conn: sa.Connection, *, tenant_id: uuid.UUID, key: str, method: str, path: str, request_hash: str,
          status_code: int, response: dict[str, Any]) -> None:
    conn.execute(sa.text(
        "insert into crm.idempotency_key (tenant_id, key, method, path, request_hash, status_code, response) "
        "values (:t, :k, :m, :p, :h, :s, cast(:r as jsonb))"), {
        "t": tenant_id, "k": key, "m": method, "p": path, "h": request_hash, "s": status_code,
        "r": json.dumps(response, default=str)})
