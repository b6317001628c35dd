"""crm.match_run, crm.recommendation and crm.feature_snapshot: what a recommendation request stores, and the
reads and decisions on it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warehouse.repositories.feature_snapshots import enqueue_snapshots


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


def insert_run(conn: sa.Connection, *, tenant_id: uuid.UUID, kind: str, direction: str, anchor_id: uuid.UUID,
               model_version: str, params: dict[str, Any], stats: dict[str, Any], created_by: uuid.UUID | None,
               finished_at: datetime, items: Sequence[StoredItem], feature_version: str,
               item_ids: Sequence[uuid.UUID] | None = None, defer_snapshots: bool = False) -> uuid.UUID:
    """Write the match run, one recommendation and one feature snapshot per item; returns the run id.
    `item_ids`: the recommendation ids to use (the caller knows them without reading them back);
    `defer_snapshots`: queue the snapshots as one row for the background writer (docs/adr/0020)."""
    run_id = uuid.uuid4()
    conn.execute(sa.text(
        "insert into crm.match_run (id, tenant_id, kind, direction, anchor_id, model_version, params, stats,"
        " created_by, finished_at) values (:id, :t, :kind, :direction, :anchor, :version, cast(:params as jsonb),"
        " cast(:stats as jsonb), :by, :now)"),
        {"id": run_id, "t": tenant_id, "kind": kind, "direction": str(direction), "anchor": anchor_id,
         "version": model_version, "params": json.dumps(params), "stats": json.dumps(stats, default=str),
         "by": created_by, "now": finished_at})
    if not items:
        return run_id
    recs, snaps = [], []
    for i, item in enumerate(items):
        rec_id = item_ids[i] if item_ids is not None else uuid.uuid4()
        recs.append({
            "id": rec_id, "t": tenant_id, "run": run_id, "r": item.requirement_id, "c": item.consultant_id,
            "rank": item.rank, "score": item.match_score, "p": item.success_probability,
            "reasons": json.dumps(item.reasons), "factors": json.dumps(item.factors),
            "inputs": json.dumps({"feature_version": feature_version}), "version": model_version,
        })
        snaps.append({"t": tenant_id, "rec": rec_id, "r": item.requirement_id, "c": item.consultant_id,
                      "v": feature_version, "f": json.dumps(item.features, default=str)})
    conn.execute(sa.text(
        "insert into crm.recommendation (id, tenant_id, match_run_id, requirement_id, consultant_id, rank,"
        " match_score, success_probability, reasons, factors, inputs, model_version) values (:id, :t, :run, :r, :c,"
        " :rank, :score, :p, cast(:reasons as jsonb), cast(:factors as jsonb), cast(:inputs as jsonb), :version)"),
        recs)
    if defer_snapshots:
        enqueue_snapshots(conn, tenant_id=tenant_id, run_id=run_id, snapshots=[
            {"recommendation_id": s["rec"], "requirement_id": s["r"], "consultant_id": s["c"],
             "feature_version": s["v"], "features": item.features} for s, item in zip(snaps, items, strict=True)])
        return run_id
    conn.execute(sa.text(
        "insert into crm.feature_snapshot (tenant_id, recommendation_id, requirement_id, consultant_id,"
        " feature_version, features) values (:t, :rec, :r, :c, :v, cast(:f as jsonb))"), snaps)
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
