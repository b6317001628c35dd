"""Time-ordered ids of the rows every recommendation writes (warehouse/ids.py, docs/adr/0036)."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from warehouse.ids import time_ordered_uuid


def test_ids_are_rfc_9562_version_7_with_the_time_first():
    before = time.time_ns() // 1_000_000
    ids = [time_ordered_uuid() for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert i.version == 7 and i.variant == uuid.RFC_4122
        assert before <= i.int >> 80 <= after
    time.sleep(0.002)
    later = time_ordered_uuid()
    assert all(i < later for i in ids)  # a later millisecond sorts after every earlier id


def test_a_recommendation_writes_time_ordered_ids_down_to_its_snapshots(app_engine, seeded_tenant):
    from ml.matching.service import recommend_for_requirement, store_recommendations
    from warehouse.db import tenant_tx
    from warehouse.repositories.feature_snapshots import drain_pending

    tenant_id, world = seeded_tenant
    with tenant_tx(tenant_id, app_engine) as conn:
        result = recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=world.requirements[0]["id"],
                                           top_k=5)
        run_id = store_recommendations(conn, tenant_id=tenant_id, result=result, defer_snapshots=True)
    with tenant_tx(tenant_id, app_engine) as conn:
        drain_pending(conn, limit=1000)
    with tenant_tx(tenant_id, app_engine) as conn:
        rows = conn.execute(sa.text(
            "select r.id, s.id from crm.recommendation r join crm.feature_snapshot s on s.recommendation_id = r.id "
            "where r.match_run_id = :run"), {"run": run_id}).all()
    assert run_id.version == 7 and len(rows) == len(result.items) > 0
    assert all(rec.version == 7 and snap.version == 7 for rec, snap in rows)
