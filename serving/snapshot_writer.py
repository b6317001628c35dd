"""The background writer of queued feature snapshots (docs/adr/0020): every `interval_seconds` it moves each
tenant's pending rows into crm.feature_snapshot in batches, and once more at shutdown. Any API process (any
replica) may run it: batches take their rows with SKIP LOCKED, and a batch that dies before its commit leaves its
rows queued for the next pass. Snapshots therefore reach crm.feature_snapshot within about one interval of the
response; the recommendation rows themselves are written in the request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from warehouse.db import tenant_tx
from warehouse.repositories.feature_snapshots import drain_pending, tenants_with_pending

log = logging.getLogger(__name__)

BATCH_RUNS = 200  # queued runs (about 10 snapshots each) per statement


def drain_all(app_engine: Engine, owner_engine: Engine, *, batch_runs: int = BATCH_RUNS) -> int:
    """Move every tenant's queued snapshots; the number of snapshot rows written."""
    with owner_engine.connect() as conn:
        tenants = tenants_with_pending(conn)
    written = 0
    for tenant_id in tenants:
        while True:
            with tenant_tx(tenant_id, app_engine) as conn:
                runs, snapshots = drain_pending(conn, limit=batch_runs)
            written += snapshots
            if runs < batch_runs:
                break
    return written


def run_snapshot_writer(app_engine: Engine, owner_engine: Engine, stop: threading.Event, *,
                        interval_seconds: float = 0.5, more: Sequence[tuple[Engine, Engine]] = ()) -> None:
    """The loop the API runs beside itself until `stop` is set; a failed pass is logged and retried. `more`: the
    (application, owner) engines of the other placement servers, each drained on its own (one down stalls no other)."""
    while True:
        stopping = stop.wait(interval_seconds)
        for app, owner in ((app_engine, owner_engine), *more):
            try:
                drain_all(app, owner)
            except Exception:  # the database may be away; queued rows wait for the next pass
                log.exception("feature snapshot write-behind pass failed")
        if stopping:
            return
