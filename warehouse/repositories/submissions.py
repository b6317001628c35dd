"""crm.submission reads beyond generic CRUD."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from warehouse.repositories.crm_tables import SUBMISSIONS


def for_pair(conn: sa.Connection, *, consultant_id: uuid.UUID, requirement_id: uuid.UUID) -> dict[str, Any] | None:
    """The pair's submission (there is at most one per consultant and requirement), soft-deleted or not: the API
    columns plus `deleted_at`."""
    row = conn.execute(sa.text(
        f"select {SUBMISSIONS.select_list}, deleted_at from crm.submission "
        "where consultant_id = :c and requirement_id = :r"),
        {"c": consultant_id, "r": requirement_id}).mappings().first()
    return dict(row) if row is not None else None
