"""Tenant move drill: two throwaway embedded servers, a demo-world tenant (plus one synthetic 384-d vector per
consultant) seeded on the primary, moved to the second server with `warehouse.tenant_move.move_tenant`; prints the
rows moved, the move's time by step and the verification's, for one or more bench sizes.

    python benchmarks/tenant_move.py [--consultants 500 2000] [--requirements-per-consultant 0.2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.restore_drill import VECTORS_SQL  # noqa: E402


def drill(consultants: int, requirements: int) -> None:
    from demo_world import WorldParams
    from demo_world.loader import seed_tenant
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_engine
    from warehouse.embedded import stop_embedded
    from warehouse.placement import server_settings
    from warehouse.settings import Settings
    from warehouse.tenant_move import move_tenant, table_fingerprints

    folder = Path(tempfile.mkdtemp(prefix="bcrm-move-"))
    settings = Settings(data_dir=folder, database_url=None, app_db_password=None, database_servers="eu=embedded")
    try:
        engine, _ = prepare_database(settings)
        taxonomy = load_taxonomy()
        for name in ("primary", "eu"):
            with admin_engine(server_settings(settings, name)).begin() as conn:
                sync_taxonomy(conn, taxonomy)
        started = time.perf_counter()
        seed_tenant(engine, WorldParams(consultants=consultants, requirements=requirements, seed=7),
                    tenant_slug="mover")
        with engine.begin() as conn:
            conn.execute(sa.text(VECTORS_SQL))
        print(f"seeded {consultants:,} consultants / {requirements:,} requirements in "
              f"{time.perf_counter() - started:.1f} s")
        marks: dict[str, float] = {}
        t0 = time.perf_counter()
        report = move_tenant(settings, "mover", "eu", wait_seconds=0,
                             after_step=lambda step: marks.setdefault(step, time.perf_counter() - t0))
        t1 = time.perf_counter()
        table_fingerprints(settings, "eu", report.tenant_id)
        verify_one = time.perf_counter() - t1
        rows = sum(report.rows.values())
        steps = ", ".join(f"{s} {marks[s]:.2f}" for s in ("marked", "copied", "verified", "flipped", "cleaned"))
        print(f"  moved {rows:,} rows in {len(report.rows)} tables ({report.rows['embedding']:,} vectors) in "
              f"{report.seconds:.2f} s = {rows / report.seconds:,.0f} rows/s; cumulative s at each step: {steps}; "
              f"one side's checksums alone: {verify_one:.2f} s")
    finally:
        for name in ("eu", "primary"):
            stop_embedded(server_settings(settings, name).pg_data_dir)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultants", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--requirements-per-consultant", type=float, default=0.2)
    args = parser.parse_args()
    for n in args.consultants:
        drill(n, max(20, int(n * args.requirements_per_consultant)))


if __name__ == "__main__":
    main()
