"""The transactional outbox: domain events appended in the same transaction as the write they describe."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa


def append_event(conn: sa.Connection, *, tenant_id: uuid.UUID, event_type: str, aggregate_type: str,
                 aggregate_id: uuid.UUID | None, payload: dict[str, Any]) -> uuid.UUID:
    """Append one event; returns its `event_id` (what webhook consumers deduplicate on)."""
    return conn.execute(sa.text(
        "insert into crm.outbox (tenant_id, event_type, aggregate_type, aggregate_id, payload) "
        "values (:t, :et, :at, :aid, cast(:p as jsonb)) returning event_id"), {
        "t": tenant_id, "et": event_type, "at": aggregate_type, "aid": aggregate_id,
        "p": json.dumps(payload, default=str)}).scalar_one()
