"""The measured inputs of the capacity model (docs/capacity.md), from one tenant of a given database.

    BENCHCRM_DATA_DIR=/tmp/world python benchmarks/capacity_inputs.py --tenant acme [--embed-sample 256]
        [--requests 40] [--json out.json]

Prints, for that tenant:
- rows, and storage: each tenant-scoped table's share of its size with indexes (by row count), the vector (HNSW)
  indexes, all scaled to 100,000 consultants;
- embedding: warm seconds per 1,000 resume texts (the model encoding the tenant's own resumes);
- pipeline: step durations of the latest successful `full_pipeline_job` run in DAGSTER_HOME (<data dir>/dagster_home
  by default), with training per 10k outcomes and the marts build per tenant;
- API: CPU milliseconds per request by endpoint, of the API (in-process app) and of Postgres (its processes' CPU
  time), over `--requests` requests each.
Uses the configured database (embedded under BENCHCRM_DATA_DIR unless BENCHCRM_DATABASE_URL)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PER = 100_000  # consultants per tenant in the capacity model


def tenant_rows(conn, tenant_id) -> dict[str, int]:
    import sqlalchemy as sa

    counts = {}
    for table in ("consultant", "requirement", "submission", "recommendation", "inbound_message", "consultant_skill"):
        counts[table] = conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :t"),
                                     {"t": tenant_id}).scalar_one()
    for kind in ("consultant", "requirement"):
        counts[f"embedding_{kind}"] = conn.execute(sa.text(
            "select count(*) from crm.embedding where tenant_id = :t and entity_type = :k"),
            {"t": tenant_id, "k": kind}).scalar_one()
    return counts


def storage_inputs(conn, tenant_id) -> dict[str, Any]:
    """Bytes this tenant holds: each table's size (heap + TOAST + indexes) times the tenant's share of its rows.
    Vector indexes are reported on their own: they are what must stay in RAM for fast similarity search."""
    import sqlalchemy as sa

    tables = conn.execute(sa.text("""
        select format('%I.%I', n.nspname, c.relname) as name, pg_total_relation_size(c.oid) as total,
               pg_relation_size(c.oid) as heap
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where n.nspname = 'crm' and c.relkind = 'r'""")).all()
    per_table = {}
    for name, total, _heap in tables:
        all_rows, mine = conn.execute(sa.text(
            f"select count(*), count(*) filter (where tenant_id = :t) from {name}"), {"t": tenant_id}).one()
        if mine:
            per_table[name] = int(total * mine / all_rows)
    vectors = conn.execute(sa.text("""
        select format('%I.%I', n.nspname, c.relname), pg_relation_size(i.indexrelid)
        from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
        join pg_namespace n on n.oid = c.relnamespace
        where am.amname in ('hnsw', 'ivfflat')""")).all()
    embedding_rows, mine = conn.execute(sa.text(
        "select count(*), count(*) filter (where tenant_id = :t) from crm.embedding"), {"t": tenant_id}).one()
    share = mine / embedding_rows if embedding_rows else 0.0
    return {"tables_bytes": dict(sorted(per_table.items(), key=lambda kv: -kv[1])),
            "total_bytes": sum(per_table.values()),
            "vector_indexes_bytes": {name: int(size * share) for name, size in vectors},
            "embedding_rows_all_tenants": embedding_rows}


def embedding_inputs(conn, tenant_id, sample: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from ml.ai.embeddings import Embedder, chunk_texts

    texts = [t for (t,) in conn.execute(sa.text(
        "select coalesce(resume_text, summary, title) from crm.consultant where tenant_id = :t "
        "order by id limit :n"), {"t": tenant_id, "n": sample})]
    if not texts:
        return {"texts": 0}
    embedder = Embedder()
    embedder.encode(texts[:4])  # load the model and warm up outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    pieces, _ = chunk_texts(texts)
    # CPU seconds (all of this process's threads) travel better between machines than wall time on a shared one.
    return {"texts": len(texts), "chunks": len(pieces), "seconds": round(seconds, 2),
            "seconds_per_1000_texts": round(1000 * seconds / len(texts), 1),
            "cpu_seconds_per_1000_texts": round(1000 * cpu_seconds / len(texts), 1),
            "mean_words": round(sum(len(t.split()) for t in texts) / len(texts))}


def pipeline_inputs(rows: dict[str, int], dagster_home: Path | None) -> dict[str, Any]:
    """Step seconds of the latest successful full pipeline run recorded in the Dagster instance."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    if dagster_home is None or not (dagster_home / "dagster.yaml").is_file():
        return {"run": None, "why": f"no Dagster instance at {dagster_home}"}
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    runs = instance.get_runs(dg.RunsFilter(job_name="full_pipeline_job", statuses=[dg.DagsterRunStatus.SUCCESS]),
                             limit=1)
    if not runs:
        return {"run": None, "why": "no successful full_pipeline_job run recorded"}
    run = runs[0]
    started: dict[str, float] = {}
    steps: dict[str, float] = {}
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS and event.step_key in started:
            steps[event.step_key] = round(record.timestamp - started[event.step_key], 1)
    def seconds(*keys: str) -> float:
        return round(sum(v for k, v in steps.items() if any(k == key or k.startswith(key) for key in keys)), 1)
    outcomes = max(rows.get("submission", 0), 1)
    training = seconds("training_set", "ranker_model", "calibrator", "model_evaluation", "registered_model")
    return {"run": run.run_id, "steps_seconds": dict(sorted(steps.items(), key=lambda kv: -kv[1])),
            "training_seconds": training, "training_seconds_per_10k_outcomes": round(training * 10_000 / outcomes, 1),
            "marts_seconds_per_tenant": seconds("benchcrm_dbt_models", "marts_export"),
            "embedding_step_seconds": seconds("consultant_embeddings", "requirement_embeddings"),
            "batch_recommendations_seconds": seconds("batch_recommendations")}


def _postgres_cpu() -> float:
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] and proc.info["name"].startswith("postgres"):
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
    return total


def api_inputs(settings, conn, tenant_id, requests: int) -> dict[str, Any]:
    """CPU per request of the API app (this process, in-process ASGI client included) and of local Postgres."""
    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from serving.auth.tokens import issue_token
    from serving.main import create_app

    consultant = conn.execute(sa.text("select id from crm.consultant where tenant_id = :t order by id limit 1"),
                              {"t": tenant_id}).scalar()
    requirement = conn.execute(sa.text("select id from crm.requirement where tenant_id = :t order by id limit 1"),
                               {"t": tenant_id}).scalar()
    if consultant is None or requirement is None:
        return {}
    token = issue_token(settings, tenant_id=tenant_id, role="Recruiter")
    endpoints = {
        "GET /v1/consultants?limit=50": ("get", "/v1/consultants?limit=50"),
        "GET /v1/consultants/{id}": ("get", f"/v1/consultants/{consultant}"),
        "GET /v1/consultants?q=python": ("get", "/v1/consultants?q=python&limit=50"),
        "POST /v1/requirements/{id}/recommendations?topK=10": ("post",
                                                                f"/v1/requirements/{requirement}/recommendations?topK=10"),
    }
    out = {}
    with TestClient(create_app(settings, start_dispatcher=False)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for name, (method, path) in endpoints.items():
            first = getattr(client, method)(path, headers=headers)  # warm caches (model, taxonomy, tenant)
            if first.status_code >= 400:
                out[name] = {"status": first.status_code}
                continue
            cpu0, pg0, wall0 = time.process_time(), _postgres_cpu(), time.perf_counter()
            for _ in range(requests):
                getattr(client, method)(path, headers=headers)
            n = requests
            out[name] = {"api_cpu_ms": round(1000 * (time.process_time() - cpu0) / n, 1),
                         "postgres_cpu_ms": round(1000 * (_postgres_cpu() - pg0) / n, 1),
                         "wall_ms": round(1000 * (time.perf_counter() - wall0) / n, 1)}
    return out


def measure(tenant: str, *, embed_sample: int, requests: int, dagster_home: Path | None) -> dict[str, Any]:
    from warehouse.bootstrap import prepare_database
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    settings = get_settings()
    engine, _ = prepare_database(settings)
    with engine.connect() as conn:
        tenant_id = tenant_id_for(conn, tenant)
        if tenant_id is None:
            raise SystemExit(f"capacity_inputs: tenant {tenant!r} does not exist in this database")
        rows = tenant_rows(conn, tenant_id)
        storage = storage_inputs(conn, tenant_id)
        embedding = embedding_inputs(conn, tenant_id, embed_sample) if embed_sample else {}
        api = api_inputs(settings, conn, tenant_id, requests) if requests else {}
    pipeline = pipeline_inputs(rows, dagster_home)
    scale = PER / max(rows["consultant"], 1)
    return {"tenant": tenant, "load_average": os.getloadavg(), "cpus": os.cpu_count(), "rows": rows, "storage": storage, "embedding": embedding, "pipeline": pipeline,
            "api": api, "per_100k_consultants": {
                "storage_gib": round(storage["total_bytes"] * scale / 2**30, 2),
                "vector_index_gib": round(sum(storage["vector_indexes_bytes"].values()) * scale / 2**30, 2)}}


def _print(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(f"machine: {result['cpus']} CPUs, load average {', '.join(f'{x:.1f}' for x in result['load_average'])}")
    print(f"tenant {result['tenant']}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    storage = result["storage"]
    print(f"storage: {storage['total_bytes'] / 2**20:,.1f} MiB for {rows['consultant']:,} consultants "
          f"→ {result['per_100k_consultants']['storage_gib']} GiB per 100k consultants")
    for name, size in list(storage["tables_bytes"].items())[:8]:
        print(f"  {name:<28} {size / 2**20:9.1f} MiB")
    for name, size in storage["vector_indexes_bytes"].items():
        print(f"  vector index {name:<40} {size / 2**20:9.1f} MiB")
    print(f"  → vector indexes {result['per_100k_consultants']['vector_index_gib']} GiB per 100k consultants")
    if result["embedding"]:
        e = result["embedding"]
        print(f"embedding: {e['texts']} resumes ({e['chunks']} chunks, ~{e['mean_words']} words) in {e['seconds']} s "
              f"→ {e['seconds_per_1000_texts']} s wall, {e['cpu_seconds_per_1000_texts']} CPU-s per 1,000 texts (warm)")
    p = result["pipeline"]
    if p.get("run"):
        print(f"pipeline run {p['run']}: training {p['training_seconds']} s "
              f"({p['training_seconds_per_10k_outcomes']} s per 10k outcomes), marts {p['marts_seconds_per_tenant']} s, "
              f"embedding steps {p['embedding_step_seconds']} s, batch recommendations {p['batch_recommendations_seconds']} s")
        for step, seconds in list(p["steps_seconds"].items())[:10]:
            print(f"  {step:<40} {seconds:8.1f} s")
    else:
        print(f"pipeline: {p.get('why')}")
    for name, figures in result["api"].items():
        print(f"api {name:<52} " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--embed-sample", type=int, default=256, help="resumes to embed (0: skip)")
    parser.add_argument("--requests", type=int, default=40, help="requests per API endpoint (0: skip)")
    parser.add_argument("--dagster-home", type=Path, default=None,
                        help="default: DAGSTER_HOME, else <data dir>/dagster_home")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    from warehouse.settings import get_settings

    home = args.dagster_home or Path(os.environ.get("DAGSTER_HOME") or get_settings().data_dir / "dagster_home")
    result = measure(args.tenant, embed_sample=args.embed_sample, requests=args.requests, dagster_home=home)
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
