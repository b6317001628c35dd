"""The transactional outbox: domain events appended in the same transaction as the write they describe."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from warehouse.repositories.together import Insert

OUTBOX_INSERT = ("insert into crm.outbox (tenant_id, event_type, aggregate_type, aggregate_id, payload) "
                 "values (:event_tenant, :event_type, :event_aggregate_type, :event_aggregate_id, "
                 "cast(:event_payload as jsonb))")


def event_row(*, tenant_id: uuid.UUID, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID | None,
              payload: dict[str, Any]) -> Insert:
    """The event as an insert that may ride in another statement (`warehouse.repositories.together`)."""
    return Insert(OUTBOX_INSERT, {
        "event_tenant": tenant_id, "event_type": event_type, "event_aggregate_type": aggregate_type,
        "event_aggregate_id": aggregate_id, "event_payload": json.dumps(payload, default=str)})


def append_event(conn: sa.Connection, **event: Any) -> uuid.UUID:
    """Append one event (the arguments of `event_row`); returns its `event_id` (what webhook consumers
    deduplicate on)."""
    insert = event_row(**event)
    return conn.execute(sa.text(f"{insert.sql} returning event_id"), insert.params).scalar_one()
