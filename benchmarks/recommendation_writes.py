"""What each write of a recommendation request costs (issue 12: "measure what each write costs first").

Before: one API recommendation request wrote, in its transaction, the match run, ten recommendation rows, re-read
their ids, ten feature snapshots, an audit row and an outbox event, then committed. After (docs/adr/0020): the ids
are known up front and the ten snapshots go into one queued JSON row that a background writer moves in batches.
Both paths run interleaved on realistic rows (the features and factors JSON of a real response) in a tenant of its
own, one request at a time, so the figures are the writes alone, not the ranking.

Since docs/adr/0026 `store_recommendations` sends the run, its items and its snapshots (or queued row) as one
statement on both paths, and the API adds the audit row and event to that statement; the request's writes before
and after that change are compared by `python benchmarks/ranking_stages.py --request`.

    python benchmarks/recommendation_writes.py [--runs 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic_result(requirement: uuid.UUID, consultants: list[uuid.UUID]):
    from ml.matching.service import RecommendationItem, RecommendationResult
    from ml.scoring.formula import FACTORS

    features = {f"f_{i:02d}": 0.1 * (i % 10) for i in range(38)}
    features.update(matched_skills=["Java", "Spring Boot", "AWS"], missing_skills=["Kafka"],
                    consultant_location="Dallas, TX", requirement_title="Senior Java Developer",
                    consultant_title="Java Developer", requirement_id=str(requirement))
    factors = {name: {"value": 0.7, "weight": 0.14, "contribution": 0.1, "status": "known"} for name in FACTORS}
    items = [RecommendationItem(consultant_id=c, requirement_id=requirement, rank=i + 1, match_score=0.9 - i / 100,
                                success_probability=0.3, reasons=["Has 3 of 4 required skills", "Rate fits"],
                                factors=factors, features={**features, "consultant_id": str(c)})
             for i, c in enumerate(consultants)]
    return RecommendationResult(direction="requirement_to_consultants", anchor_id=requirement,
                                model_version="bench/1", calibrated=True, items=items,
                                stats={"candidates": 190}, params={"top_k": 10, "explain": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "benchcrm-api-latency"))
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir

    import sqlalchemy as sa

    from ml.matching.service import store_recommendations
    from serving.snapshot_writer import drain_all
    from warehouse.bootstrap import prepare_database
    from warehouse.db import app_engine, set_tenant
    from warehouse.repositories.audit import write_audit
    from warehouse.repositories.outbox import append_event
    from warehouse.repositories.tenants import ensure_tenant
    from warehouse.settings import get_settings

    settings = get_settings()
    admin, _ = prepare_database(settings)
    with admin.begin() as conn:
        tenant = ensure_tenant(conn, slug=f"bench-writes-{uuid.uuid4().hex[:8]}")
    engine = app_engine(settings)
    with engine.begin() as conn:
        set_tenant(conn, tenant)
        requirement = conn.execute(sa.text("insert into crm.requirement (tenant_id, title) values (:t, 'Java') "
                                           "returning id"), {"t": tenant}).scalar_one()
        consultants = [conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, :n) "
                                            "returning id"), {"t": tenant, "n": f"C {i}"}).scalar_one()
                       for i in range(10)]
    result = synthetic_result(requirement, consultants)
    steps: dict[str, list[float]] = {}

    def timed(name: str, fn):
        started = time.perf_counter()
        out = fn()
        steps.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return out


    def request_writes(conn, path: str) -> None:
        """The writes of one request: `before` as the API did them, `after` with the ids known up front and the
        snapshots queued as one row for the background writer."""
        t0 = time.perf_counter()
        if path == "before":
            run_id = timed(f"{path}: match run + 10 recommendations + 10 snapshots", lambda: store_recommendations(
                conn, tenant_id=tenant, result=result, kind="api"))
            timed(f"{path}: re-read the 10 recommendation ids", lambda: conn.execute(sa.text(
                "select id, consultant_id, requirement_id from crm.recommendation where match_run_id = :run"),
                {"run": run_id}).all())
        else:
            ids = [uuid.uuid4() for _ in result.items]
            run_id = timed(f"{path}: match run + 10 recommendations + 1 queued row", lambda: store_recommendations(
                conn, tenant_id=tenant, result=result, kind="api", item_ids=ids, defer_snapshots=True))
        timed(f"{path}: audit row", lambda: write_audit(
            conn, tenant_id=tenant, actor_id=None, actor_type="user", action="recommend", entity="match_run",
            entity_id=run_id, before={"topK": 10}, after={"items": [str(x) for x in consultants]},
            model_version="b/1", prompt_fingerprint=None, request_id="bench", payload={"count": 10}))
        timed(f"{path}: outbox event", lambda: append_event(
            conn, tenant_id=tenant, event_type="recommendations.generated", aggregate_type="match_run",
            aggregate_id=run_id, payload={"recommendationId": str(run_id), "count": 10}))
        timed(f"{path}: commit", conn.commit)
        steps.setdefault(f"{path}: ALL WRITES OF ONE REQUEST", []).append((time.perf_counter() - t0) * 1000)

    for i in range(args.runs + 20):
        for path in ("before", "after"):  # interleaved, so both see the same load
            with engine.connect() as conn:
                conn.begin()
                set_tenant(conn, tenant)
                request_writes(conn, path)
        if i == 19:
            steps.clear()  # warm-up: pools, plans
    drain_started = time.perf_counter()
    written = drain_all(engine, admin)
    drain_ms = (time.perf_counter() - drain_started) * 1000
    print(f"{args.runs} simulated recommendation requests, one at a time (app role, embedded Postgres, Unix socket)")
    for name, values in steps.items():
        values.sort()
        print(f"{name:<60} p50 {statistics.median(values):6.2f} ms  p95 {values[int(0.95 * (len(values) - 1))]:6.2f} ms")
    before = statistics.median(steps["before: ALL WRITES OF ONE REQUEST"])
    after = statistics.median(steps["after: ALL WRITES OF ONE REQUEST"])
    print(f"in-request writes p50: {before:.2f} ms before, {after:.2f} ms after ({before / after:.2f}x less)")
    print(f"the background writer then moved {written} snapshots in {drain_ms:.0f} ms "
          f"({drain_ms / max(written, 1):.3f} ms per snapshot, off the request path)")


if __name__ == "__main__":
    main()
