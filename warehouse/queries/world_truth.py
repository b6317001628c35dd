"""The demo world's published truth (`world.*`, created by the demo world's own migration stream): read by
evaluation only, as the owner (the application role cannot see the schema)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa


def submission_truth(conn: sa.Connection, tenant_id: uuid.UUID,
                     submission_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, float] | None:
    """submission id -> the true P(advance) the world gave it; None when no demo world was ever seeded here."""
    if conn.execute(sa.text("select to_regclass('world.submission_truth')")).scalar() is None:
        return None
    return dict(conn.execute(sa.text(
        "select submission_id, p_advance from world.submission_truth "
        "where tenant_id = :t and submission_id = any(:ids)"), {"t": tenant_id, "ids": list(submission_ids)}).all())
