"""Feature snapshots written behind the response (docs/adr/0020): a request queues its run's snapshots as one JSON
row of crm.feature_snapshot_pending in its own transaction; `drain_pending` moves queued rows into
crm.feature_snapshot in one statement (delete + insert), so an interrupted batch rolls back whole and is replayed."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from warehouse import jsonb
from warehouse.repositories.together import Insert

_DRAIN = sa.text("""
with batch as (
    delete from crm.feature_snapshot_pending p
    where p.id in (select id from crm.feature_snapshot_pending order by id limit :limit for update skip locked)
    returning p.tenant_id, p.snapshots, p.created_at
), written as (
    insert into crm.feature_snapshot (id, tenant_id, recommendation_id, requirement_id, consultant_id,
                                      feature_version, features, created_at)
    -- the id the request made (time-ordered, warehouse/ids.py); rows queued before it carried one get a new one
    select coalesce((s->>'id')::uuid, gen_random_uuid()), b.tenant_id, (s->>'recommendation_id')::uuid,
           (s->>'requirement_id')::uuid, (s->>'consultant_id')::uuid, s->>'feature_version', s->'features',
           b.created_at
    from batch b cross join lateral jsonb_array_elements(b.snapshots) s
    -- a recommendation erased in the meantime takes its snapshot with it, as the foreign key's cascade would have.
    -- A lateral probe with a limit, one index lookup per snapshot: as `where exists` the planner hashed every
    -- recommendation of the tenant for each queued run (150-270 ms a batch at 174k recommendations).
    join lateral (select 1 from crm.recommendation r
                  where r.tenant_id = b.tenant_id and r.id = (s->>'recommendation_id')::uuid limit 1) alive on true
    returning 1
)
select (select count(*) from batch) as runs, (select count(*) from written) as snapshots
""")


PENDING_INSERT = ("insert into crm.feature_snapshot_pending (tenant_id, match_run_id, snapshots) "
                  "values (:run_tenant, :run_id, cast(:pending_snapshots as jsonb))")


def pending_row(*, tenant_id: uuid.UUID, run_id: uuid.UUID, snapshots: list[dict[str, Any]]) -> Insert:
    """A run's snapshots (each: recommendation_id, requirement_id, consultant_id, feature_version, features) as one
    queued row, an insert that rides in the run's own statement: committed with the recommendations or not at
    all."""
    return Insert(PENDING_INSERT, {"run_tenant": tenant_id, "run_id": run_id,
                                   "pending_snapshots": jsonb.dumps(snapshots)})


def drain_pending(conn: sa.Connection, *, limit: int = 200) -> tuple[int, int]:
    """Move up to `limit` queued runs of the connection's tenant (RLS) into crm.feature_snapshot; (runs, snapshot
    rows) moved. The caller commits; until it does, nothing moved."""
    runs, snapshots = conn.execute(_DRAIN, {"limit": limit}).one()
    return int(runs), int(snapshots)


def tenants_with_pending(owner_conn: sa.Connection) -> list[uuid.UUID]:
    """Which tenants have queued snapshots: a cross-tenant read, so the owner's connection (as the webhook
    dispatcher does); each tenant is then drained as the application role under RLS."""
    return list(owner_conn.execute(sa.text(
        "select distinct tenant_id from crm.feature_snapshot_pending")).scalars())
