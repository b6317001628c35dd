"""Dedupe quality on the demo world: seed a small world into a throw-away database, run the ingestion functions
the assets run (process_pending, extract_pending_requirements, normalize_skills), and score every inbound message
against the world's hidden truth (`world.message_truth.requirement_id`). Needs `demo_world` (the world branch).

    HF_HUB_OFFLINE=1 python benchmarks/ingest_dedupe_world.py --consultants 300 --requirements 200
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultants", type=int, default=300)
    parser.add_argument("--requirements", type=int, default=200)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args()
    from warehouse.embedded import throwaway_data_dir

    with throwaway_data_dir("bcrm-dedupe-"):  # its own embedded server, stopped and deleted afterwards
        run(args)


def run(args: argparse.Namespace) -> None:
    import sqlalchemy as sa
    import torch

    torch.set_num_threads(args.torch_threads)
    from demo_world.loader import seed_tenant
    from demo_world.model import WorldParams
    from ml.ingest import pipeline
    from ml.ingest.toolkit import default_toolkit
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import app_engine, set_tenant, tenant_tx
    from warehouse.settings import get_settings

    settings = get_settings()
    admin, _ = prepare_database(settings)
    with admin.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
    seed_tenant(admin, WorldParams(consultants=args.consultants, requirements=args.requirements),
                tenant_slug="dedupe-bench")
    with admin.connect() as conn:
        tenant = conn.execute(sa.text("select id from crm.tenant where slug = 'dedupe-bench'")).scalar_one()
    engine = app_engine(settings)
    embedder = default_toolkit().embedder
    embedder.encode(["warm up"])
    start = time.perf_counter()
    stats = pipeline.PendingStats()
    while True:
        before = stats.processed
        with tenant_tx(tenant, engine) as conn:
            pipeline.process_pending(conn, tenant_id=tenant, limit=200, embedder=embedder, stats=stats)
        if stats.processed == before:
            break
    with tenant_tx(tenant, engine) as conn:
        pipeline.extract_pending_requirements(conn, tenant_id=tenant)
        skills = pipeline.normalize_skills(conn)
    seconds = time.perf_counter() - start
    with admin.begin() as conn:
        set_tenant(conn, tenant)
        rows = conn.execute(sa.text(
            "select mt.requirement_id as truth, m.requirement_id as got, m.status, mt.is_origin "
            "from world.message_truth mt join crm.inbound_message m on m.id = mt.message_id")).all()
        n_requirements = conn.execute(sa.text("select count(*) from crm.requirement")).scalar_one()
        reasons = dict(conn.execute(sa.text(
            "select merge_reason, count(*) from crm.requirement_source group by 1")).all())
    copies = [r for r in rows if r.truth is not None and not r.is_origin]
    right = sum(r.got == r.truth for r in copies)
    wrong = sum(r.got is not None and r.got != r.truth and r.status == "duplicate" for r in copies)
    missed = sum(r.status == "parsed" and r.got != r.truth for r in copies)
    non_req = [r for r in rows if r.truth is None]
    print(f"world: {args.requirements} requirements, {len(rows)} inbound messages; processed in {seconds:.1f} s "
          f"({len(rows) / seconds:.1f} messages/s): {stats.by_status}")
    print(f"vendor copies (not the first e-mail): {len(copies)}; attached to the true requirement {right} "
          f"({right / len(copies):.1%}); merged into a wrong one {wrong}; left as a new requirement {missed}")
    print(f"requirements after ingestion: {n_requirements} (true: {args.requirements}); merge reasons: {reasons}")
    print(f"non-requirements marked not_requirement: {sum(r.status == 'not_requirement' for r in non_req)}"
          f"/{len(non_req)}; skill mentions resolved: consultants {skills.consultant_resolved}/"
          f"{skills.consultant_total}, requirements {skills.requirement_resolved}/{skills.requirement_total}")


if __name__ == "__main__":
    main()
