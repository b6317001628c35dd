"""Seconds to generate and load the demo world (default 10,000 consultants / 2,000 requirements with history).

Run from the repository root:  python benchmarks/seed_world.py [--consultants N] [--requirements M] [--seed S]
Loads into a fresh tenant (unique slug), prints generate / load / total seconds, row counts and the oracle's AUC on
the realized history (recomputed from the database), then drops the tenant (not timed) unless --keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _server_cpu_seconds(engine) -> float:
    """CPU seconds used so far by the database server's processes (postmaster and its children, on this host)."""
    import psutil
    import sqlalchemy as sa

    with engine.connect() as conn:
        backend = conn.execute(sa.text("select pg_backend_pid()")).scalar()
    try:
        postmaster = psutil.Process(backend).parent()
        procs = [postmaster, *postmaster.children(recursive=True)]
    except psutil.Error:  # an external server: not measurable from here
        return float("nan")
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system + getattr(times, "children_user", 0) + getattr(times, "children_system", 0)
        except psutil.Error:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultants", type=int, default=10_000)
    parser.add_argument("--requirements", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark tenant")
    args = parser.parse_args()

    import sqlalchemy as sa

    from demo_world.loader import seed_tenant
    from demo_world.model import WorldParams
    from demo_world.oracle import realized_oracle_auc
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import set_tenant

    engine, _ = prepare_database()
    with engine.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    params = WorldParams(consultants=args.consultants, requirements=args.requirements, seed=args.seed)
    load_avg = os.getloadavg()[0]
    cpu_client, cpu_server = time.process_time(), _server_cpu_seconds(engine)
    result = seed_tenant(engine, params, tenant_slug=slug)
    cpu_client, cpu_server = time.process_time() - cpu_client, _server_cpu_seconds(engine) - cpu_server
    started = time.perf_counter()
    with engine.begin() as conn:
        auc, n_sub, rate = realized_oracle_auc(conn, tenant_id=result.tenant_id)
    oracle_seconds = time.perf_counter() - started
    print(f"world: {args.consultants:,} consultants, {args.requirements:,} requirements, seed {args.seed}")
    for name, count in result.counts.items():
        print(f"  {name:<26} {count:>9,}")
    print(f"generate_seconds {result.seconds_generate:.1f}")
    print(f"load_seconds     {result.seconds_load:.1f}")
    print(f"total_seconds    {result.seconds_total:.1f}   (wall clock; 1-minute load average at start {load_avg:.1f} "
          f"on {os.cpu_count()} cores)")
    print(f"cpu_seconds      client {cpu_client:.1f} + database server {cpu_server:.1f} = {cpu_client + cpu_server:.1f}"
          "   (what generate + load costs without contention)")
    print(f"submissions {n_sub:,}  advanced_rate {rate:.3f}  oracle_auc {auc:.3f} "
          f"(oracle over all submissions from the database: {oracle_seconds:.1f} s)")
    if not args.keep:
        started = time.perf_counter()
        with engine.begin() as conn:
            set_tenant(conn, result.tenant_id)
            conn.execute(sa.text("delete from crm.tenant where id = :t"), {"t": result.tenant_id})
        print(f"drop_tenant_seconds {time.perf_counter() - started:.1f} (what a re-seed adds to load)")


if __name__ == "__main__":
    main()
