"""Wall time of the matching pipeline (the `train_job` assets: features → training set → ranker → calibrator →
evaluation → MLflow registration → batch recommendations → drift) and online recommendation latency.

    python benchmarks/pipeline_time.py [--tenant acme]                # a seeded demo tenant
    python benchmarks/pipeline_time.py --synthetic 10000,2000         # writes the synthetic test world first
    python benchmarks/pipeline_time.py --full-job --demo-world 2000,400   # the main job (`full_pipeline_job`,
                                                                          # what `benchcrm demo` runs) per asset
Uses the configured database (embedded under BENCHCRM_DATA_DIR unless BENCHCRM_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def seed_synthetic(spec: str) -> str:
    from ml.matching.loaders import load_skill_graph
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from tests.ml.synthetic import make_world, write_world
    from warehouse.bootstrap import prepare_database
    from warehouse.repositories.tenants import ensure_tenant

    engine, _ = prepare_database()
    with engine.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        tenant_id = ensure_tenant(conn, slug=slug)
    with engine.connect() as conn:
        graph = load_skill_graph(conn)
    n_cons, n_reqs = (int(x) for x in spec.split(","))
    started = time.perf_counter()
    world = make_world(graph, n_consultants=n_cons, n_requirements=n_reqs, per_requirement=12, seed=11, salt=slug)
    write_world(engine, tenant_id, world)
    with engine.begin() as conn:
        conn.execute(__import__("sqlalchemy").text("analyze"))
    print(f"seeded synthetic tenant {slug}: {n_cons} consultants, {n_reqs} requirements, "
          f"{len(world.submissions)} submissions in {time.perf_counter() - started:.1f} s")
    return slug


class CpuClock:
    """This process's CPU seconds (every thread; dbt's and other waited-for children's too) sampled every 0.2 s, so
    each step can be charged the CPU the process spent while it ran. On a shared machine the wall time of a step is
    mostly the load; its CPU seconds are the work."""

    def __init__(self) -> None:
        import threading

        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def now() -> tuple[float, float]:
        t = os.times()
        return time.time(), t.user + t.system + t.children_user + t.children_system

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.now())
            self._stop.wait(0.2)

    def __enter__(self) -> CpuClock:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.now())

    def between(self, start: float, end: float) -> float:
        times = np.array([t for t, _ in self.samples])
        cpu = np.array([c for _, c in self.samples])
        return float(np.interp(end, times, cpu) - np.interp(start, times, cpu))


def full_job(slug: str) -> None:
    """One run of `full_pipeline_job` on the data folder's Dagster instance (the tenant's partition, as `benchcrm
    demo` runs it), then every step by its duration and the process CPU seconds it took."""
    import dagster as dg

    from cli.demo import prepare_dagster_home
    from orchestration.definitions import defs
    from orchestration.defs.resources import PostgresResource
    from orchestration.defs.tenants.sensors import sync_tenant_partitions
    from orchestration.lib.partitions import tenant_tags
    from warehouse.settings import get_settings

    prepare_dagster_home(get_settings())
    load = os.getloadavg()[0]
    with dg.DagsterInstance.get() as instance:
        sync_tenant_partitions(instance, PostgresResource())
        job = defs().resolve_job_def("full_pipeline_job")
        started, cpu_started = CpuClock.now()
        with CpuClock() as clock:
            result = job.execute_in_process(instance=instance, raise_on_error=False, partition_key=slug,
                                            tags=tenant_tags(slug))
        ended, cpu_ended = CpuClock.now()
        begun: dict[str, float] = {}
        steps = []
        for entry in instance.all_logs(result.run_id):
            event = entry.dagster_event
            if event is None or not event.step_key:
                continue
            if event.event_type_value == "STEP_START":
                begun[event.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                start = begun.get(event.step_key, entry.timestamp)
                steps.append((entry.timestamp - start, clock.between(start, entry.timestamp), event.step_key,
                              event.event_type_value == "STEP_FAILURE"))
    total, cpu_total = ended - started, cpu_ended - cpu_started
    steps.sort(reverse=True)
    print(f"{'step (slowest first)':<62}{'seconds':>10}{'share':>8}{'cpu s':>10}")
    for seconds, cpu, key, failed in steps:
        print(f"{key:<62}{seconds:>10.1f}{seconds / total:>8.1%}{cpu:>10.1f}{'  (FAILED)' if failed else ''}")
    print(f"{'full_pipeline_job (wall)':<62}{total:>10.1f}{'':>8}{cpu_total:>10.1f}  success={result.success}  "
          f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--synthetic", default=None)
    parser.add_argument("--latency-requests", type=int, default=50)
    parser.add_argument("--full-job", action="store_true", help="time the whole main job per asset instead")
    parser.add_argument("--demo-world", default=None, metavar="CONSULTANTS,REQUIREMENTS",
                        help="seed the demo world (seed 7) as --tenant first, as `benchcrm seed` does")
    args = parser.parse_args()
    if args.demo_world:
        import cli.main  # noqa: F401  (registers the commands; cli.seed imports it)
        from cli.seed import seed_world

        n_cons, n_reqs = (int(x) for x in args.demo_world.split(","))
        seed_world(tenant=args.tenant, consultants=n_cons, requirements=n_reqs, seed=7)
    if args.full_job:
        full_job(args.tenant)
        return
    slug = seed_synthetic(args.synthetic) if args.synthetic else args.tenant

    from orchestration.defs.resources import PostgresResource
    from orchestration.defs.train import assets, checks
    from orchestration.defs.train.io_manager import train_resources
    from orchestration.lib.partitions import materialize_for_tenant

    selection = [assets.pair_features, assets.training_set, assets.ranker_model, assets.calibrator,
                 assets.model_evaluation, assets.registered_model, assets.batch_recommendations, assets.drift_report]
    started = time.perf_counter()
    result = materialize_for_tenant(
        [*selection, checks.ranker_beats_seed_formula_on_mrr_at_10, checks.calibration_ece_below_0_03,
         checks.drift_psi_below_threshold],
        tenant=slug, resources=train_resources(PostgresResource()), raise_on_error=False,
    )
    total = time.perf_counter() - started
    print(f"{'step':<50}{'seconds':>10}")
    for event in result.all_events:
        if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            status = "" if event.event_type_value == "STEP_SUCCESS" else "  (FAILED)"
            print(f"{event.step_key:<50}{event.event_specific_data.duration_ms / 1000:>10.2f}{status}")
    print(f"{'full matching pipeline (wall)':<50}{total:>10.2f}  success={result.success}")
    for evaluation in result.get_asset_check_evaluations():
        print(f"check {evaluation.check_name}: {'passed' if evaluation.passed else 'FAILED'}")

    # Online latency: recommendations for the newest open requirements with the exported champion.
    import sqlalchemy as sa

    from ml.matching.champion import load_serving_model
    from ml.matching.service import recommend_for_requirement
    from warehouse.db import app_engine, tenant_tx
    from warehouse.settings import get_settings

    tenant_id = PostgresResource().tenant_id(slug)
    model = load_serving_model(get_settings(), tenant_id)
    with tenant_tx(tenant_id, app_engine()) as conn:
        ids = conn.execute(sa.text("select id from crm.requirement where status = 'open' order by received_at desc"
                                   " limit :n"), {"n": args.latency_requests}).scalars().all()
    times, candidates = [], []
    for rid in ids:
        t0 = time.perf_counter()
        with tenant_tx(tenant_id, app_engine()) as conn:
            res = recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=rid, top_k=10, explain=True,
                                            model=model)
        times.append((time.perf_counter() - t0) * 1000)
        candidates.append(res.stats["candidates"])
    if times:
        print(f"recommend_for_requirement top-10 with {model.version if model else 'seed formula'}: "
              f"p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms over {len(times)} "
              f"requirements; candidates per request median {int(np.median(candidates))}")


if __name__ == "__main__":
    main()
