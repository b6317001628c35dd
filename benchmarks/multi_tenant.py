"""N tenants through the tenant-partitioned pipeline at once: per-tenant pipeline time as N grows, and isolation.

    python benchmarks/multi_tenant.py --tenants 5,10,20 --consultants 2000 [--data-dir DIR] [--parallel 2]
                                      [--fanout] [--workers 2]

For each N: N fresh tenants are seeded with the demo world (`demo_world.seed_tenant`, seed = tenant number, the
same generator `benchcrm seed` runs), their `tenants` partitions are added (what `tenant_partitions_sensor` does),
and `tenant_pipeline_job` (inbox → parse → normalize → embed → features → train → calibrate → evaluate → register
→ batch recommendations) runs once per tenant partition, `--parallel` runs at a time (worker processes, each one
Dagster run in process on the instance in <data dir>/dagster_home); then one `refresh_marts_job` (dbt) for all.
Printed per N: each run's seconds (median, p90, max), the round's wall time and tenants per minute; flat per-tenant
times as N grows are the goal.

Isolation, after every round (violations are printed and make the exit status 1):
- rows: per tenant, rows in crm.embedding / match_run / recommendation before and after the round: tenants outside
  the round do not change; every recommendation, its match run, its requirement and its consultant belong to one
  tenant, and every embedding to its entity's tenant (a run that read another tenant's rows would link them);
- Dagster: every materialization of a tenant's run is recorded against that tenant's partition;
- MLflow: each tenant's runs are in its own experiment `benchcrm/<slug>/ranking`, tagged with it;
- API: with one tenant's token, another tenant's consultant, requirement and recommendation run answer 404 (and the
  tenant's own answer 200).

`--fanout` also embeds the round's tenants' resumes serially and on a `--workers` Dask LocalCluster
(ml.ai.fanout, as benchmarks/embedding_fanout.py) and prints the ratio.

The data folder defaults to a new temporary folder (its own embedded Postgres, MLflow store and Dagster instance),
so the demo's data is never touched. The figures depend on the machine's load: it is printed with them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROW_TABLES = ("embedding", "match_run", "recommendation")
JOB = "tenant_pipeline_job"

# A row linked to a row of another tenant is a run (or request) that read across tenants.
CROSS_TENANT_SQL = """
select
  (select count(*) from crm.recommendation r
     join crm.match_run m on m.id = r.match_run_id
     join crm.requirement q on q.id = r.requirement_id
     join crm.consultant c on c.id = r.consultant_id
   where not (r.tenant_id = m.tenant_id and r.tenant_id = q.tenant_id and r.tenant_id = c.tenant_id)) as recommendations,
  (select count(*) from crm.embedding e
     left join crm.consultant c on e.entity_type = 'consultant' and c.id = e.entity_id
     left join crm.requirement q on e.entity_type = 'requirement' and q.id = e.entity_id
   where coalesce(c.tenant_id, q.tenant_id) is distinct from e.tenant_id) as embeddings
"""


@dataclass
class RunOutcome:
    tenant: str
    seconds: float
    success: bool
    run_id: str
    partitions: set[str] = field(default_factory=set)
    failed_steps: list[str] = field(default_factory=list)


def _counts(values: str) -> list[int]:
    try:
        counts = [int(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--tenants takes counts like 5,10,20, not {values!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("--tenants needs positive counts")
    return counts


def prepare_environment(data_dir: Path) -> None:
    """Everything in `data_dir`: the settings read BENCHCRM_DATA_DIR, Dagster reads DAGSTER_HOME (the demo's
    instance config, with its per-tenant run limit)."""
    os.environ["BENCHCRM_DATA_DIR"] = str(data_dir)
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "infra" / "dagster" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)


def _warm(_: int) -> int:
    """Load the definitions and the embedding model in a worker process before any run is timed."""
    from ml.ingest.toolkit import default_toolkit
    from orchestration.definitions import defs

    defs().resolve_job_def(JOB)
    default_toolkit().embedder.encode(["warm up"])
    return os.getpid()


def run_tenant(tenant: str) -> RunOutcome:
    """One Dagster run of the tenant pipeline for one tenant partition, on the instance (in a worker process)."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.lib.partitions import tenant_tags

    job = defs().resolve_job_def(JOB)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, partition_key=tenant, tags=tenant_tags(tenant),
                                        raise_on_error=False)
    seconds = time.perf_counter() - started
    partitions = {e.event_specific_data.materialization.partition for e in result.get_asset_materialization_events()}
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    return RunOutcome(tenant, seconds, result.success, result.run_id, partitions, failed)


def seed_round(engine, n: int, consultants: int, requirements: int) -> dict[str, object]:
    from demo_world.loader import seed_tenant
    from demo_world.model import WorldParams

    tenants = {}
    for i in range(n):
        slug = f"mt{n}-{i:02d}"
        params = WorldParams(consultants=consultants, requirements=requirements, seed=1000 * n + i)
        tenants[slug] = seed_tenant(engine, params, tenant_slug=slug).tenant_id
    return tenants


def rows_per_tenant(engine) -> dict[tuple[str, str], int]:
    import sqlalchemy as sa

    counts: dict[tuple[str, str], int] = {}
    with engine.connect() as conn:
        for table in ROW_TABLES:
            for tenant_id, n in conn.execute(sa.text(f"select tenant_id, count(*) from crm.{table} group by 1")):
                counts[(table, str(tenant_id))] = n
    return counts


def api_isolation(settings, engine, tenants: dict[str, object]) -> tuple[int, int, list[str]]:
    """(requests made, requests that behaved, descriptions of those that did not): each tenant's token against the
    next tenant's ids (404 expected) and its own (200 expected)."""
    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from serving.auth.tokens import issue_token
    from serving.main import create_app

    ids: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        for slug, tenant_id in tenants.items():
            one = {}
            for kind, sql in (("consultants", "select id from crm.consultant where tenant_id = :t limit 1"),
                              ("requirements", "select id from crm.requirement where tenant_id = :t limit 1"),
                              ("recommendations", "select id from crm.match_run where tenant_id = :t limit 1")):
                found = conn.execute(sa.text(sql), {"t": tenant_id}).scalar()
                if found is not None:
                    one[kind] = str(found)
            ids[slug] = one
    slugs = list(tenants)
    made, good, bad = 0, 0, []
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for i, slug in enumerate(slugs):
            other = slugs[(i + 1) % len(slugs)]
            headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenants[slug], role='Recruiter')}"}
            targets = [(kind, ident, 200) for kind, ident in ids[slug].items()]
            if other != slug:
                targets += [(kind, ident, 404) for kind, ident in ids[other].items()]
            for kind, ident, expected in targets:
                status = client.get(f"/v1/{kind}/{ident}", headers=headers).status_code
                made += 1
                if status == expected:
                    good += 1
                else:
                    bad.append(f"{slug}'s token, GET /v1/{kind}/<{'own' if expected == 200 else other}>: "
                               f"{status}, expected {expected}")
    return made, good, bad


def mlflow_isolation(settings, tenants: list[str]) -> list[str]:
    from mlflow import MlflowClient

    from ml.registry import configure, tenant_experiment

    configure(settings)
    client = MlflowClient()
    problems = []
    for slug in tenants:
        experiment = client.get_experiment_by_name(tenant_experiment(slug))
        if experiment is None:
            problems.append(f"{slug}: no experiment {tenant_experiment(slug)}")
            continue
        runs = client.search_runs([experiment.experiment_id])
        strangers = [r.info.run_id for r in runs if r.data.tags.get("tenant") != slug]
        if not runs or strangers:
            problems.append(f"{slug}: {len(runs)} runs in its experiment, {len(strangers)} tagged otherwise")
        if not experiment.artifact_location.rstrip("/").endswith(f"/{slug}"):
            problems.append(f"{slug}: artifacts at {experiment.artifact_location}, not in a folder of its own")
    return problems


def fanout_round(engine, tenants: dict[str, object], workers: int, texts: int) -> str:
    import sqlalchemy as sa

    from ml.ai.fanout import _encode_on_worker, cluster_client, embed_on_cluster, embed_serial

    batches = {}
    with engine.connect() as conn:
        for slug, tenant_id in tenants.items():
            batches[slug] = list(conn.execute(sa.text(
                "select coalesce(resume_text, full_name) from crm.consultant where tenant_id = :t order by id "
                "limit :n"), {"t": tenant_id, "n": texts}).scalars())
    total = sum(len(b) for b in batches.values())
    embed_serial({"warm": ["warm up"]})
    started = time.perf_counter()
    embed_serial(batches)
    serial = time.perf_counter() - started
    with cluster_client(None, workers=workers) as client:
        client.run(_encode_on_worker, ["warm up"])
        started = time.perf_counter()
        embed_on_cluster(client, batches)
        fanned = time.perf_counter() - started
    return (f"embedding {len(batches)} tenants × ≤{texts} resumes ({total} texts): serial {serial:.1f} s, "
            f"Dask {workers} workers {fanned:.1f} s, serial / cluster {serial / fanned:.2f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=_counts, default=[5, 10, 20], help="tenant counts, e.g. 5,10,20")
    parser.add_argument("--consultants", type=int, default=2000, help="consultants per tenant")
    parser.add_argument("--requirements", type=int, default=None, help="requirements per tenant (consultants / 5)")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: a new temporary one)")
    parser.add_argument("--parallel", type=int, default=2, help="tenant runs at a time (worker processes)")
    parser.add_argument("--fanout", action="store_true", help="also measure Dask fan-out of embedding per round")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers for --fanout")
    parser.add_argument("--fanout-texts", type=int, default=200, help="resumes per tenant for --fanout")
    parser.add_argument("--keep-running", action="store_true", help="leave the embedded Postgres running afterwards")
    parser.add_argument("--real-pairs", action="store_true",
                        help="keep the labelled real pairs check (BENCHCRM_SHARED_DATA) in every run; off by "
                             "default: its first computation per data folder costs minutes and is the same for "
                             "every tenant, which is not what this measures")
    args = parser.parse_args(argv)
    if args.consultants < 50:
        parser.error("--consultants must be at least 50 (the demo world's minimum)")
    requirements = args.requirements or max(20, args.consultants // 5)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="benchcrm-multi-tenant-"))
    prepare_environment(data_dir.resolve())
    if not args.real_pairs:
        os.environ["BENCHCRM_SHARED_DATA"] = ""

    import multiprocessing

    import dagster as dg

    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from orchestration.definitions import defs
    from orchestration.lib.partitions import TENANTS_PARTITION
    from warehouse.bootstrap import prepare_database
    from warehouse.settings import get_settings

    settings = get_settings()
    engine, _ = prepare_database(settings)
    with engine.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
    from ml.registry import configure

    configure(settings)  # MLflow creates its tables on first use: once here, not by two first runs at once
    print(f"data folder {data_dir}; {os.cpu_count()} CPUs; {args.parallel} runs at a time; "
          f"{args.consultants} consultants and {requirements} requirements per tenant")

    summary, violations = [], []
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no engines or threads inherited
    with ProcessPoolExecutor(max_workers=args.parallel, mp_context=context) as pool:
        list(pool.map(_warm, range(args.parallel)))
        for n in args.tenants:
            started = time.perf_counter()
            tenants = seed_round(engine, n, args.consultants, requirements)
            seeded = time.perf_counter() - started
            with dg.DagsterInstance.get() as instance:
                instance.add_dynamic_partitions(TENANTS_PARTITION, list(tenants))
            before = rows_per_tenant(engine)
            load = os.getloadavg()[0]
            started = time.perf_counter()
            outcomes = list(pool.map(run_tenant, tenants))
            wall = time.perf_counter() - started
            marts_started = time.perf_counter()
            with dg.DagsterInstance.get() as instance:
                marts = defs().resolve_job_def("refresh_marts_job").execute_in_process(instance=instance,
                                                                                       raise_on_error=False)
            marts_seconds = time.perf_counter() - marts_started
            after = rows_per_tenant(engine)

            round_tenants = {str(t) for t in tenants.values()}
            for (table, tenant_id), count in after.items():
                if tenant_id not in round_tenants and before.get((table, tenant_id), 0) != count:
                    violations.append(f"N={n}: crm.{table} rows of tenant {tenant_id} (not in the round) changed")
            for slug, tenant_id in tenants.items():
                if after.get(("match_run", str(tenant_id)), 0) <= before.get(("match_run", str(tenant_id)), 0):
                    violations.append(f"N={n}: {slug}'s run wrote no batch recommendations")
            with engine.connect() as conn:
                import sqlalchemy as sa

                cross = conn.execute(sa.text(CROSS_TENANT_SQL)).one()
            if any(cross):
                violations.append(f"N={n}: rows linked across tenants: {dict(cross._mapping)}")
            for outcome in outcomes:
                if not outcome.success:
                    violations.append(f"N={n}: run {outcome.run_id} for {outcome.tenant} failed at "
                                      f"{outcome.failed_steps}")
                if outcome.partitions != {outcome.tenant}:
                    violations.append(f"N={n}: run for {outcome.tenant} materialized partitions {outcome.partitions}")
            violations += [f"N={n}: MLflow {p}" for p in mlflow_isolation(settings, list(tenants))]
            made, good, bad = api_isolation(settings, engine, tenants)
            violations += [f"N={n}: API {b}" for b in bad]
            if not marts.success:
                violations.append(f"N={n}: refresh_marts_job failed")

            seconds = sorted(o.seconds for o in outcomes)
            p90 = seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))]
            row = {"n": n, "median": statistics.median(seconds), "p90": p90, "max": seconds[-1], "wall": wall,
                   "per_min": 60 * n / wall, "marts": marts_seconds, "seed": seeded, "load": load,
                   "api": f"{good}/{made}"}
            summary.append(row)
            print(f"N={n:>3}: per-tenant run median {row['median']:.1f} s, p90 {p90:.1f} s, max {seconds[-1]:.1f} s; "
                  f"wall {wall:.1f} s ({row['per_min']:.2f} tenants/min); dbt for all {marts_seconds:.1f} s; "
                  f"seeding {seeded:.1f} s; API isolation {good}/{made} as expected; load {load:.1f}", flush=True)
            if args.fanout:
                print("  " + fanout_round(engine, tenants, args.workers, args.fanout_texts), flush=True)

    print(f"\n{'tenants':>8}{'median s':>10}{'p90 s':>8}{'max s':>8}{'wall s':>9}{'tenants/min':>13}"
          f"{'dbt s':>8}{'API ok':>9}{'load':>6}")
    for row in summary:
        print(f"{row['n']:>8}{row['median']:>10.1f}{row['p90']:>8.1f}{row['max']:>8.1f}{row['wall']:>9.1f}"
              f"{row['per_min']:>13.2f}{row['marts']:>8.1f}{row['api']:>9}{row['load']:>6.1f}")
    if len(summary) > 1:
        print(f"per-tenant median, largest N / smallest N: {summary[-1]['median'] / summary[0]['median']:.2f}× "
              "(1.00 = flat)")
    print("isolation: " + ("no violations" if not violations else f"{len(violations)} VIOLATIONS"))
    for line in violations:
        print("  " + line)
    if settings.uses_embedded_postgres and not args.keep_running:
        from warehouse.embedded import stop_embedded

        engine.dispose()
        stop_embedded(settings.pg_data_dir)  # the benchmark's own server: nothing left running on a shared machine
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
