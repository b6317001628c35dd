"""crm.match_run, crm.recommendation and crm.feature_snapshot: what a recommendation request stores, and the
reads and decisions on it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warehouse import jsonb
from warehouse.ids import time_ordered_uuid
from warehouse.repositories.feature_snapshots import pending_row
from warehouse.repositories.together import Insert, insert_together


@dataclass(frozen=True)
class StoredItem:
    """One ranked item as crm.recommendation and crm.feature_snapshot keep it."""

    requirement_id: uuid.UUID
    consultant_id: uuid.UUID
    rank: int
    match_score: float
    success_probability: float | None
    reasons: list[str]
    factors: dict[str, Any]
    features: dict[str, Any]


RUN_INSERT = (
    "insert into crm.match_run (id, tenant_id, kind, direction, anchor_id, model_version, params, stats, created_by,"
    " finished_at) values (:run_id, :run_tenant, :run_kind, :run_direction, :run_anchor, :run_version,"
    " cast(:run_params as jsonb), cast(:run_stats as jsonb), :run_by, :run_finished)")
ITEMS_INSERT = (
    "insert into crm.recommendation (id, tenant_id, match_run_id, requirement_id, consultant_id, rank, match_score,"
    " success_probability, reasons, factors, inputs, model_version)"
    " select i.id, :run_tenant, :run_id, i.requirement_id, i.consultant_id, i.rank, i.match_score,"
    " i.success_probability, i.reasons, i.factors, cast(:items_inputs as jsonb), :run_version"
    " from jsonb_to_recordset(cast(:items as jsonb)) as i(id uuid, requirement_id uuid, consultant_id uuid, rank int,"
    " match_score double precision, success_probability double precision, reasons jsonb, factors jsonb)")
SNAPSHOTS_INSERT = (
    "insert into crm.feature_snapshot (id, tenant_id, recommendation_id, requirement_id, consultant_id,"
    " feature_version, features) select s.id, :run_tenant, s.recommendation_id, s.requirement_id, s.consultant_id,"
    " s.feature_version, s.features from jsonb_to_recordset(cast(:snapshots as jsonb)) as s(id uuid,"
    " recommendation_id uuid, requirement_id uuid, consultant_id uuid, feature_version text, features jsonb)")


def insert_run(conn: sa.Connection, *, tenant_id: uuid.UUID, kind: str, direction: str, anchor_id: uuid.UUID,
               model_version: str, params: dict[str, Any], stats: dict[str, Any], created_by: uuid.UUID | None,
               finished_at: datetime, items: Sequence[StoredItem], feature_version: str,
               item_ids: Sequence[uuid.UUID] | None = None, defer_snapshots: bool = False,
               run_id: uuid.UUID | None = None, along: Sequence[Insert] = ()) -> uuid.UUID:
    """Write the match run, one recommendation and one feature snapshot per item in one statement; returns the run
    id. `run_id`, `item_ids`: the ids to use (the caller knows them without reading them back);
    `defer_snapshots`: queue the snapshots as one row for the background writer (docs/adr/0020); `along`: further
    inserts of the same request (its audit row and outbox event) that ride in the same statement (docs/adr/0026)."""
    run_id = run_id or time_ordered_uuid()
    inserts = [Insert(RUN_INSERT, {
        "run_id": run_id, "run_tenant": tenant_id, "run_kind": kind, "run_direction": str(direction),
        "run_anchor": anchor_id, "run_version": model_version, "run_params": jsonb.dumps(params),
        "run_stats": jsonb.dumps(stats), "run_by": created_by, "run_finished": finished_at})]
    if items:
        ids = list(item_ids) if item_ids is not None else [time_ordered_uuid() for _ in items]
        inserts.append(Insert(ITEMS_INSERT, {
            "run_id": run_id, "run_tenant": tenant_id, "run_version": model_version,
            "items_inputs": jsonb.dumps({"feature_version": feature_version}),
            "items": jsonb.dumps([{
                "id": str(rec_id), "requirement_id": str(item.requirement_id),
                "consultant_id": str(item.consultant_id), "rank": item.rank, "match_score": item.match_score,
                "success_probability": item.success_probability, "reasons": item.reasons, "factors": item.factors,
            } for rec_id, item in zip(ids, items, strict=True)])}))
        snapshots = [{"id": time_ordered_uuid(), "recommendation_id": rec_id, "requirement_id": item.requirement_id,
                      "consultant_id": item.consultant_id, "feature_version": feature_version,
                      "features": item.features} for rec_id, item in zip(ids, items, strict=True)]
        if defer_snapshots:
            inserts.append(pending_row(tenant_id=tenant_id, run_id=run_id, snapshots=snapshots))
        else:
            inserts.append(Insert(SNAPSHOTS_INSERT, {"run_tenant": tenant_id,
                                                     "snapshots": jsonb.dumps(snapshots)}))
    insert_together(conn, [*inserts, *along])
    return run_id


def get_run(conn: sa.Connection, run_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.text(
        "select id, direction, anchor_id, model_version, started_at from crm.match_run where id = :id"),
        {"id": run_id}).mappings().first()
    return dict(row) if row is not None else None


def run_items(conn: sa.Connection, run_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.text(
        "select id, consultant_id, requirement_id, rank, match_score, success_probability, reasons, factors "
        "from crm.recommendation where match_run_id = :id order by rank"), {"id": run_id}).mappings()]


def lock_item(conn: sa.Connection, item_id: uuid.UUID) -> dict[str, Any] | None:
    """The recommendation, locked for a decision."""
    row = conn.execute(sa.text(
        "select id, consultant_id, requirement_id, match_score, success_probability, model_version, decision "
        "from crm.recommendation where id = :id for update"), {"id": item_id}).mappings().first()
    return dict(row) if row is not None else None


def record_decision(conn: sa.Connection, item_id: uuid.UUID, *, decision: str, reason: str | None,
                    decided_by: uuid.UUID | None) -> datetime:
    """Set the human decision on one item; returns when it was decided."""
    return conn.execute(sa.text(
        "update crm.recommendation set decision = :d, decision_reason = :r, decided_by = :by, decided_at = now() "
        "where id = :id returning decided_at"),
        {"d": decision, "r": reason, "by": decided_by, "id": item_id}).scalar_one()


def busiest_tenants(owner_conn: sa.Connection, *, recent: int, limit: int) -> list[tuple[uuid.UUID, int]]:
    """(tenant, rankings) by their share of the `recent` newest rankings, most first: a cross-tenant read, so the
    owner's connection (as the snapshot writer's `tenants_with_pending`); each tenant is then read under RLS. The
    newest rows come by `match_run_started_idx`, so the cost does not grow with the table."""
    return [(tenant, runs) for tenant, runs in owner_conn.execute(sa.text(
        "select tenant_id, count(*) from (select tenant_id from crm.match_run order by started_at desc limit :recent) r "
        "group by tenant_id order by count(*) desc, tenant_id limit :n"), {"recent": recent, "n": limit})]
