"""The demo world's true probabilities for evaluation only (owner connection; the app role cannot read world.*).

The world helper's contract is `ml.world.oracle.true_probabilities(conn, *, tenant_id, pairs)` with pairs ordered
(requirement_id, consultant_id); it raises `OracleError` when the tenant has no world or an id is not part of it.
"""

from __future__ import annotations

import logging
import uuid

import numpy as np
import polars as pl
import sqlalchemy as sa

log = logging.getLogger(__name__)


def oracle_probabilities(admin_engine: sa.Engine, tenant_id: uuid.UUID, frame: pl.DataFrame) -> np.ndarray | None:
    """True P(advance) for the frame's (requirement_id, consultant_id) rows, or None without a demo world."""
    try:
        from ml.world.oracle import true_probabilities
    except ImportError:
        return None
    cons = [uuid.UUID(c) for c in frame["consultant_id"]]
    reqs = [uuid.UUID(r) for r in frame["requirement_id"]]
    with admin_engine.connect() as conn:
        has_world = conn.execute(sa.text("select count(*) from world.run where tenant_id = :t"),
                                 {"t": tenant_id}).scalar()
        if not has_world:
            return None
        pairs = list(zip(reqs, cons, strict=True))
        try:
            out = np.asarray(true_probabilities(conn, tenant_id=tenant_id, pairs=pairs), float)
        except Exception as exc:  # OracleError: an evaluation without the oracle column, said loudly
            log.warning("oracle unavailable for tenant %s: %s", tenant_id, exc)
            return None
    if out.shape != (len(pairs),) or not np.isfinite(out).all():
        raise ValueError(f"oracle returned {out.shape} values for {len(pairs)} pairs")
    return out
