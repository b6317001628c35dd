"""Restore drill: back up a BenchCRM database, restore it into a fresh embedded data folder, compare every table
(row count and content digest, vectors included) and print the figures.

Source: by default a throwaway embedded server seeded with a demo world (--consultants/--requirements) plus one
synthetic 384-d embedding per consultant; `--configured` backs up the database the settings point at instead (e.g.
a `make demo` folder via BENCHCRM_DATA_DIR, or BENCHCRM_DATABASE_URL) without changing it.

    python benchmarks/restore_drill.py [--consultants 2000] [--requirements 400] [--configured]
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

VECTORS_SQL = """
insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash)
select c.tenant_id, 'consultant', c.id, 'drill-synthetic', 384,
       (select array_agg(sin(g * (1 + (abs(hashtext(c.id::text)) % 97))))::vector from generate_series(1, 384) g),
       md5(c.id::text)
from crm.consultant c
on conflict do nothing
"""


def seeded_source(consultants: int, requirements: int):
    from demo_world import WorldParams
    from demo_world.loader import seed_tenant
    from warehouse.bootstrap import prepare_database
    from warehouse.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="bcrm-drill-src-"))
    settings = Settings(data_dir=folder, database_url=None, app_db_password=None)
    engine, _ = prepare_database(settings)
    seed_tenant(engine, WorldParams(consultants=consultants, requirements=requirements, seed=7), tenant_slug="drill")
    with engine.begin() as conn:
        conn.execute(sa.text(VECTORS_SQL))
    return settings, engine, folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultants", type=int, default=2000)
    parser.add_argument("--requirements", type=int, default=400)
    parser.add_argument("--configured", action="store_true", help="back up the configured database instead")
    args = parser.parse_args()

    from warehouse.backup import backup, compare_fingerprints, restore, table_fingerprints
    from warehouse.db import admin_engine
    from warehouse.embedded import admin_url, stop_embedded
    from warehouse.settings import Settings, get_settings

    cleanup: list[Path] = []
    if args.configured:
        source_settings = get_settings()
        source = admin_engine(source_settings)
    else:
        started = time.perf_counter()
        source_settings, source, src_folder = seeded_source(args.consultants, args.requirements)
        cleanup.append(src_folder)
        print(f"source: seeded {args.consultants:,} consultants / {args.requirements:,} requirements "
              f"+ synthetic vectors in {time.perf_counter() - started:.1f} s")
    target_folder = Path(tempfile.mkdtemp(prefix="bcrm-drill-dst-"))
    cleanup.append(target_folder)
    target_settings = Settings(data_dir=target_folder, database_url=None, app_db_password=None)
    try:
        work = Path(tempfile.mkdtemp(prefix="bcrm-drill-dump-"))
        cleanup.append(work)
        dump = work / "drill.dump"
        t0 = time.perf_counter()
        size = backup(admin_url(source_settings), dump)
        t1 = time.perf_counter()
        before = table_fingerprints(source)
        target = admin_engine(target_settings)
        t2 = time.perf_counter()
        restore(target, admin_url(target_settings), target_settings, dump)
        t3 = time.perf_counter()
        after = table_fingerprints(target)
        problems = compare_fingerprints(before, after)
        rows = sum(f.rows for f in before.values())
        vectors = before.get("crm.embedding")
        print(f"backup  {t1 - t0:6.1f} s  {size / 1e6:.1f} MB (pg_dump custom format)")
        print(f"restore {t3 - t2:6.1f} s  into a fresh embedded data folder (source fingerprints and the empty "
              f"server's start: {t2 - t1:.1f} s)")
        print(f"compared {len(before)} tables, {rows:,} rows ({vectors.rows if vectors else 0:,} embeddings): "
              f"{'all identical' if not problems else f'{len(problems)} differ'}")
        for line in problems:
            print("  " + line)
        sys.exit(1 if problems else 0)
    finally:
        stop_embedded(target_settings.pg_data_dir)
        if not args.configured:
            stop_embedded(source_settings.pg_data_dir)
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
