"""Recall of the nearest-neighbour candidate search against exact search, with several tenants on one server:
crm.embedding partitioned by tenant (migration 0034, each tenant its own HNSW graphs) against the layout before it
(one shared graph per entity type, other tenants' rows dropped after the index returned its `ef_search` nearest).

Loads --tenants tenants of --vectors consultant vectors each into its own embedded Postgres in a temporary folder.
The vectors are clustered like sentence embeddings (unit vectors around --clusters topic centres per tenant, a --shared
share of them common to all tenants, as IT staffing firms' benches are), not real embeddings: recall depends on the layout and `ef_search`, which
this isolates. The "before" layout is a copy of the rows in one unpartitioned table with the per-type partial HNSW
index of migration 0008, searched through that graph. For each tenant, --queries anchors (vectors of that tenant,
perturbed) are searched with the product's query (`warehouse.queries.matching.nearest_sql`) and exactly (index
scans off); prints recall@10 of the top 10 and of the candidate set (the exact top 10 inside the ANN's
`ann_k` = 200 the product asks for), how many of those 200 rows the search returns, and the ANN's p50/p95
latency, per `ef_search`.

    python benchmarks/ann_recall.py [--tenants 5] [--vectors 10000] [--queries 40] [--ef 40,100,200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = "all-MiniLM-L6-v2"
DIMS = 384
FLAT = "bench_flat.embedding"


def clustered(rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    picks = centres[rng.integers(0, len(centres), n)]
    vectors = picks + rng.normal(0, 0.045, (n, DIMS))  # cosine to its centre ~0.6, like related resumes
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(0, 1, (n, DIMS))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def load(engine: sa.Engine, tenants: int, per_tenant: int, clusters: int, shared_share: float, seed: int
         ) -> dict[uuid.UUID, np.ndarray]:
    """Tenants and their vectors, loaded with the HNSW indexes dropped and rebuilt after (as a bulk load would)."""
    from warehouse.repositories.embeddings import as_vector
    from warehouse.repositories.tenants import ensure_tenant

    rng = np.random.default_rng(seed)
    # topics every staffing firm has (Java, data engineering, ...): most of a tenant's bench
    shared = unit(rng, int(clusters * shared_share))
    with engine.begin() as conn:
        hnsw = conn.execute(sa.text(
            "select indexname, indexdef from pg_indexes where schemaname = 'crm' and tablename = 'embedding' "
            "and indexdef ilike '%using hnsw%'")).all()
        for name, _ in hnsw:
            conn.execute(sa.text(f"drop index crm.{name}"))
    vectors: dict[uuid.UUID, np.ndarray] = {}
    for i in range(tenants):
        centres = np.vstack([shared, unit(rng, clusters - len(shared))])
        with engine.begin() as conn:
            tenant = ensure_tenant(conn, slug=f"ann-{i}")
            conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
            block = clustered(rng, per_tenant, centres)
            conn.execute(sa.text(
                "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
                "values (:t, 'consultant', :id, :m, 384, :v, 'bench')"),
                [{"t": tenant, "id": uuid.uuid4(), "m": MODEL, "v": as_vector(v)} for v in block])
            # vectors of bench consultants: the graph the product searches holds only matchable ones (0039); these
            # have no consultant rows, so they are marked by hand
            conn.execute(sa.text("update crm.embedding set matchable = true where tenant_id = :t"), {"t": tenant})
        vectors[tenant] = block
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("set maintenance_work_mem = '1GB'"))
        for _, definition in hnsw:  # pg_indexes says "ON ONLY" for a partitioned parent: build the partitions' too
            conn.execute(sa.text(definition.replace(" ON ONLY ", " ON ")))
        # the layout before 0034: one table, one graph per entity type for every tenant (0008's definition)
        conn.execute(sa.text("create schema if not exists bench_flat"))
        conn.execute(sa.text(f"create table {FLAT} as select * from crm.embedding"))
        conn.execute(sa.text(f"create index on {FLAT} using hnsw (vector vector_cosine_ops) "
                             "where entity_type = 'consultant'"))
        conn.execute(sa.text(f"create index on {FLAT} (tenant_id, entity_type, entity_id)"))
        conn.execute(sa.text("vacuum analyze crm.embedding"))
        conn.execute(sa.text(f"vacuum analyze {FLAT}"))
    print(f"HNSW graphs built in {time.perf_counter() - started:.1f} s (both layouts)")
    return vectors


def search(conn: sa.Connection, table: str, tenant: uuid.UUID, query: np.ndarray, k: int, *, exact: bool,
           force_index: bool) -> list[uuid.UUID]:
    from warehouse.queries.matching import CONSULTANT, nearest_sql
    from warehouse.repositories.embeddings import as_vector

    if exact:
        conn.execute(sa.text("set local enable_indexscan = off"))
    elif force_index:
        conn.execute(sa.text("set local enable_sort = off"))
        conn.execute(sa.text("set local enable_seqscan = off"))
    sql = nearest_sql(CONSULTANT, "cast(:q as vector)", table=table)
    return list(conn.execute(sa.text(sql), {"tenant": tenant, "model": MODEL, "q": as_vector(query),
                                            "ann_k": k}).scalars())


def plan_of(engine: sa.Engine, table: str, tenant: uuid.UUID, query: np.ndarray) -> str:
    from warehouse.queries.matching import CONSULTANT, nearest_sql
    from warehouse.repositories.embeddings import as_vector

    with engine.begin() as conn:
        lines = conn.execute(sa.text("explain " + nearest_sql(CONSULTANT, "cast(:q as vector)", table=table)),
                             {"tenant": tenant, "model": MODEL, "q": as_vector(query), "ann_k": 200}).scalars()
        text = "\n".join(lines)
    return "HNSW graph" if "Order By: (vector <=>" in text else "exact sort"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--vectors", type=int, default=10_000, help="consultant vectors per tenant")
    parser.add_argument("--clusters", type=int, default=40, help="topic centres per tenant")
    parser.add_argument("--shared", type=float, default=0.8, help="share of the topics common to all tenants")
    parser.add_argument("--queries", type=int, default=40, help="anchors per tenant")
    parser.add_argument("--ef", default="40,100,200", help="hnsw.ef_search values (the product uses 200)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import throwaway_data_dir
    from warehouse.settings import get_settings

    with throwaway_data_dir("bcrm-ann-"):
        get_settings.cache_clear()
        engine, _ = prepare_database(get_settings())
        started = time.perf_counter()
        vectors = load(engine, args.tenants, args.vectors, args.clusters, args.shared, args.seed)
        print(f"loaded {args.tenants} tenants x {args.vectors:,} vectors in {time.perf_counter() - started:.1f} s")
        rng = np.random.default_rng(args.seed + 1)
        anchors = {t: [v[i] + rng.normal(0, 0.02, DIMS) for i in rng.integers(0, len(v), args.queries)]
                   for t, v in vectors.items()}
        exact: dict[tuple[uuid.UUID, int], list[uuid.UUID]] = {}
        with engine.begin() as conn:
            for t, qs in anchors.items():
                for j, q in enumerate(qs):
                    exact[(t, j)] = search(conn, "crm.embedding", t, q, 10, exact=True, force_index=False)
        first = next(iter(anchors))
        print(f"planner's choice for 200 nearest: partitioned {plan_of(engine, 'crm.embedding', first, anchors[first][0])}"
              f", shared table {plan_of(engine, FLAT, first, anchors[first][0])}")
        print(f"\n{args.tenants} tenants x {args.vectors:,} vectors, {args.queries} anchors each; recall against "
              "exact search")
        print(f"{'layout':<34}{'ef_search':>10}{'recall@10 top10':>17}{'in ann_k=200':>14}{'rows of 200':>13}"
              f"{'p50 ms':>9}{'p95 ms':>9}")
        layouts = [("partitioned by tenant (0034)", "crm.embedding"), ("one shared graph (before)", FLAT)]
        for name, table in layouts:
            for ef in [int(x) for x in args.ef.split(",")]:
                top_hits = pool_hits = pool_rows = 0
                times: list[float] = []
                with engine.begin() as conn:
                    conn.execute(sa.text("select set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef)})
                    for t, qs in anchors.items():
                        for j, q in enumerate(qs):
                            truth = set(exact[(t, j)])
                            t0 = time.perf_counter()
                            pool = search(conn, table, t, q, 200, exact=False, force_index=True)
                            times.append((time.perf_counter() - t0) * 1000)
                            top = search(conn, table, t, q, 10, exact=False, force_index=True)
                            top_hits += len(truth & set(top))
                            pool_hits += len(truth & set(pool))
                            pool_rows += len(pool)
                total = 10 * len(exact)
                p95 = statistics.quantiles(times, n=100)[94]
                print(f"{name:<34}{ef:>10}{top_hits / total:>17.3f}{pool_hits / total:>14.3f}"
                      f"{pool_rows / len(exact):>13.1f}"
                      f"{statistics.median(times):>9.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
