"""Recall and latency of the nearest-neighbour candidate source against exact search of the matchable vectors
(docs/adr/0035), on an existing world: by default the 100k latency world of `benchmarks/api_latency.py`.

For --anchors requirements of the tenant, the exact top k of its matchable consultant vectors (index scans off) is
compared with the product's search (`nearest_sql`, the partial graph of matchable vectors) at each --configs
`ann_k:ef_search`, and with the search before migration 0039 (the 200 nearest of *all* the tenant's consultant
vectors, ef_search 200, unmatchable rows dropped after), through a whole-type graph built on the tenant's partition
for the run and dropped after (--no-before skips it). Prints rows kept, recall@k, recall@10 and mean ms per search.

    python benchmarks/ann_matchable.py --data-dir /tmp/speed-100k [--anchors 40] [--configs 100:400,200:800]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXACT_K = 200
ANCHOR = ("with anchor as (select vector from crm.embedding where tenant_id = cast(:tenant as uuid) "
          "and entity_type = 'requirement' and entity_id = :anchor and model = :model limit 1) ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.path.join("/tmp", "benchcrm-api-latency"))
    parser.add_argument("--tenant", default="bench-latency", help="tenant slug")
    parser.add_argument("--anchors", type=int, default=40)
    parser.add_argument("--configs", default="100:100,100:200,100:400,200:200,200:400,200:800")
    parser.add_argument("--no-before", action="store_true", help="skip the search of all vectors (before 0039)")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir

    from ml.ai.embeddings import active_model_name
    from ml.matching.candidates import CandidateLimits
    from warehouse.db import admin_engine
    from warehouse.queries.matching import CONSULTANT, nearest_sql
    from warehouse.settings import get_settings

    engine = admin_engine(get_settings())
    configs = [tuple(int(x) for x in c.split(":")) for c in args.configs.split(",")]
    shipped = (CandidateLimits().ann, CandidateLimits().ef_search)
    model = active_model_name()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        tenant = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": args.tenant}).scalar_one()
        anchors = conn.execute(sa.text(
            "select entity_id from crm.embedding where tenant_id = :t and entity_type = 'requirement' "
            "and model = :m order by entity_id limit :n"), {"t": tenant, "m": model, "n": args.anchors}).scalars().all()
        matchable = set(conn.execute(sa.text(
            f"select id from crm.consultant x where tenant_id = :t and {CONSULTANT.matchable('x')}"),
            {"t": tenant}).scalars())
        vectors = conn.execute(sa.text("select count(*) from crm.embedding where tenant_id = :t and "
                                       "entity_type = 'consultant' and model = :m"), {"t": tenant, "m": model}).scalar()
        print(f"tenant {args.tenant}: {vectors} consultant vectors, {len(matchable)} matchable; "
              f"{len(anchors)} requirement anchors; exact = top {EXACT_K} of the matchable, index scans off")
        before_index = None
        if not args.no_before:
            partition = "crm_part.embedding_" + str(tenant).replace("-", "")
            before_index = "bench_all_consultants_hnsw"
            started = time.perf_counter()
            conn.execute(sa.text("set maintenance_work_mem = '1GB'"))
            conn.execute(sa.text(f"create index if not exists {before_index} on {partition} "
                                 "using hnsw (vector vector_cosine_ops) where entity_type = 'consultant'"))
            conn.execute(sa.text(f"analyze {partition}"))
            print(f"whole-type graph (the layout before 0039) built in {time.perf_counter() - started:.1f} s")
        try:
            rows: dict[str, list[tuple[int, float, float, float]]] = {}

            def search(sql: str, anchor, k: int, ef: int, exact: bool = False) -> tuple[list, float]:
                conn.execute(sa.text("begin"))
                conn.execute(sa.text("select set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef)})
                if exact:
                    conn.execute(sa.text("set local enable_indexscan = off"))
                started = time.perf_counter()
                ids = conn.execute(sa.text(sql), {"tenant": tenant, "anchor": anchor, "model": model,
                                                  "ann_k": k}).scalars().all()
                elapsed = time.perf_counter() - started
                conn.execute(sa.text("commit"))
                return ids, elapsed

            def record(label: str, kept: list, exact: list, k: int, elapsed: float) -> None:
                rows.setdefault(label, []).append((len(kept), len(set(kept) & set(exact[:k])) / k,
                                                   len(set(kept) & set(exact[:10])) / 10, elapsed * 1000))

            new_sql = ANCHOR + nearest_sql(CONSULTANT, "(select vector from anchor)")
            old_sql = ANCHOR + nearest_sql(CONSULTANT, "(select vector from anchor)", matchable_only=False)
            for i, anchor in enumerate(anchors):
                # Text of its own: Postgres does not re-plan a prepared statement when enable_indexscan changes, so
                # the same text would run on whichever plan psycopg prepared first (docs/adr/0038).
                exact, _ = search(new_sql + " /* exact */", anchor, EXACT_K, 40, exact=True)
                # (label, query, ann_k, ef_search, all rows kept?): before 0039 the unmatchable were dropped after
                # the search, so its recall is of the rows it kept
                passes = [("all vectors k 200 ef 200 (before 0039)", old_sql, 200, 200, False)] if before_index else []
                passes += [(f"matchable k {k} ef {ef}", new_sql, k, ef, True) for k, ef in configs]
                for label, sql, k, ef, all_kept in passes:
                    ids, elapsed = search(sql, anchor, k, ef)
                    kept = [x for x in ids if x in matchable]
                    if i >= 3:  # the first anchors warm the graphs' pages
                        record(label, kept, exact, k if all_kept else max(1, len(kept)), elapsed)
            print(f"{'search':<42}{'rows kept':>10}{'recall@k':>10}{'recall@10':>11}{'mean ms':>9}")
            for label, values in rows.items():
                mark = "  <- shipped" if label == f"matchable k {shipped[0]} ef {shipped[1]}" else ""
                print(f"{label:<42}{statistics.fmean(v[0] for v in values):>10.1f}"
                      f"{statistics.fmean(v[1] for v in values):>10.3f}{statistics.fmean(v[2] for v in values):>11.3f}"
                      f"{statistics.fmean(v[3] for v in values):>9.2f}{mark}")
        finally:
            if before_index:
                conn.execute(sa.text(f"drop index if exists crm_part.{before_index}"))


if __name__ == "__main__":
    main()
