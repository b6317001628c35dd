"""The demo world's true probabilities for evaluation only (owner connection; the app role cannot read world.*).

The demo world publishes its hidden truth as a table, not as code: `world.submission_truth` holds, for every
historical submission, the probability it truly had of advancing (`demo_world.oracle` recomputes exactly these
values; tests/world checks they agree). Evaluation reads that table when it exists, so production code never
imports the demo world, and a database that was never seeded with one simply has no oracle column.
"""

from __future__ import annotations

import logging
import uuid

import numpy as np
import polars as pl
import sqlalchemy as sa

from warehouse.queries.world_truth import submission_truth

log = logging.getLogger(__name__)


def oracle_probabilities(admin_engine: sa.Engine, tenant_id: uuid.UUID, frame: pl.DataFrame) -> np.ndarray | None:
    """True P(advance) for the frame's submissions (its `submission_id` column), or None without a demo world."""
    ids = [uuid.UUID(str(s)) for s in frame["submission_id"]]
    with admin_engine.connect() as conn:
        truth = submission_truth(conn, tenant_id, ids)
    if not truth:
        return None
    missing = sum(1 for i in ids if i not in truth)
    if missing:  # submissions made after the world was seeded have no truth: no oracle column, said loudly
        log.warning("oracle unavailable for tenant %s: %d of %d test submissions are not in its demo world",
                    tenant_id, missing, len(ids))
        return None
    out = np.array([truth[i] for i in ids], dtype=float)
    if not np.isfinite(out).all():
        raise ValueError("world.submission_truth holds a non-finite probability")
    return out
