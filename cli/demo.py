"""`benchcrm demo`: the README's first command after setup — database, demo world, full pipeline, API and UIs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from cli.main import app, fail
from cli.seed import VARIETY_HELP

REPO = Path(__file__).resolve().parent.parent


def prepare_dagster_home(settings) -> Path:
    """DAGSTER_HOME under the data folder with the instance config chosen by BENCHCRM_DAGSTER_STORAGE."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    storage = os.environ.get("BENCHCRM_DAGSTER_STORAGE", "sqlite")
    if storage == "postgres" and "BENCHCRM_DAGSTER_PG_URL" not in os.environ:
        from orchestration.lib.instance import ensure_dagster_database

        os.environ["BENCHCRM_DAGSTER_PG_URL"] = ensure_dagster_database(settings)
    source = REPO / "infra" / "dagster" / ("dagster.postgres.yaml" if storage == "postgres" else "dagster.yaml")
    shutil.copyfile(source, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def pipeline_log_path(log_dir: Path) -> Path:
    return log_dir / f"pipeline-{time.strftime('%Y%m%d-%H%M%S')}.log"


def run_pipeline(job_name: str = "full_pipeline_job", *, tenant: str = "acme", log_path: Path | None = None) -> float:
    """Execute the whole lineage for `tenant` (its partition) as ONE Dagster run on the real instance (it shows in
    the UI). The tenant partitions are synced from crm.tenant first (what tenant_partitions_sensor does once the
    daemon runs). Returns seconds.

    With `log_path` the console shows one line per finished step and everything else (Dagster's DEBUG events, dbt's
    log lines, library output) goes to that file; without it (`--verbose`) all of it goes to the console."""
    import dagster as dg

    from cli.progress import execute_with_progress
    from orchestration.definitions import defs
    from orchestration.defs.resources import PostgresResource
    from orchestration.defs.tenants.sensors import sync_tenant_partitions
    from orchestration.lib.partitions import tenant_tags

    started = time.perf_counter()
    job = defs().resolve_job_def(job_name)
    with dg.DagsterInstance.get() as instance:
        sync_tenant_partitions(instance, PostgresResource())
        if log_path is None:
            result = job.execute_in_process(instance=instance, raise_on_error=False, partition_key=tenant,
                                            tags=tenant_tags(tenant))
        else:
            result = execute_with_progress(job, instance, log_path, partition_key=tenant, tags=tenant_tags(tenant))
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        where = f"the full log is in {log_path} and" if log_path else "the logs are"
        raise fail(f"pipeline run {result.run_id} failed at steps {failed}; {where} in the Dagster UI")
    return time.perf_counter() - started


def _spawn(name: str, args: list[str], log_dir: Path, env: dict[str, str]) -> subprocess.Popen:
    log = (log_dir / f"{name}.log").open("ab")
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


@app.command()
def demo(
    tenant: str = typer.Option("acme", help="Tenant slug of the demo world."),
    consultants: int = typer.Option(10_000, min=50, max=200_000, help="Bench size of the demo world."),
    requirements: int = typer.Option(2_000, min=20, max=50_000, help="Requirements in the demo world."),
    seed: int = typer.Option(7, help="World seed (the world is deterministic for a seed)."),
    reseed: bool = typer.Option(False, help="Regenerate the demo world even if the tenant exists."),
    serve: bool = typer.Option(True, help="Serve the API, Dagster UI and MLflow UI afterwards (Ctrl-C stops)."),
    tcp: bool = typer.Option(True, help="Also expose the embedded Postgres on 127.0.0.1 for BI tools."),
    variety: float = typer.Option(1.0, min=0.0, max=1.0, help=VARIETY_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Print the pipeline's full output (Dagster DEBUG events, dbt log lines) to the "
                                      "console. Default: one line per finished step on the console, the full output "
                                      "in <data dir>/logs/pipeline-<time>.log."),
) -> None:
    """Set up the database, seed the demo world, run the full pipeline in Dagster, then serve API + UIs."""
    from rich.console import Console
    from rich.markup import escape

    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_tx
    from warehouse.embedded import DatabaseUnavailable, start_embedded_tcp
    from warehouse.migrations import MigrationError
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    console = Console()
    settings = get_settings()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    with console.status("Starting Postgres and applying migrations…"):
        try:
            engine, applied = prepare_database(settings)
        except (DatabaseUnavailable, MigrationError) as exc:
            raise fail(str(exc)) from None
        with admin_tx(engine) as conn:
            sync_taxonomy(conn, load_taxonomy())
            exists = tenant_id_for(conn, tenant) is not None
    console.print(f"[green]✓[/] database ready ({'embedded' if settings.uses_embedded_postgres else 'external'}); "
                  f"migrations applied now: {applied or 'none'}")

    if reseed or not exists:
        from cli.seed import seed_world

        seed_world(tenant=tenant, consultants=consultants, requirements=requirements, seed=seed, console=console,
                   variety=variety)
    else:
        console.print(f"[green]✓[/] tenant {tenant!r} already seeded (use --reseed to regenerate)")

    home = prepare_dagster_home(settings)
    log_path = None if verbose else pipeline_log_path(settings.data_dir / "logs")
    console.print(f"Running the full pipeline as one Dagster run (DAGSTER_HOME={home})…"
                  + (f"\n  full log: {log_path} (and the run's page in the Dagster UI)" if log_path else ""))
    seconds = run_pipeline(tenant=tenant, log_path=log_path)
    console.print(f"[green]✓[/] pipeline finished in {seconds:.1f} s")
    from cli.summary import serving_model_line

    with admin_tx(engine) as conn:
        tenant_id = tenant_id_for(conn, tenant)
    if tenant_id is not None:
        console.print(f"[green]✓[/] {escape(serving_model_line(settings, tenant_id))}")

    if not serve:
        return
    pg_url = None
    if tcp and settings.uses_embedded_postgres:
        try:
            pg_url = start_embedded_tcp(settings.pg_data_dir, settings.pg_tcp_port)
        except DatabaseUnavailable as exc:
            console.print(f"[yellow]BI TCP listener not started: {exc}[/]")
    serve_all(settings, console, pg_url, tenant)


def serve_all(settings, console, pg_url: str | None, tenant: str = "acme") -> None:
    """Run API, Dagster (webserver + daemon) and the MLflow server until Ctrl-C; the database keeps running."""
    from cli.summary import first_request
    from warehouse.mlflow_store import describe

    tracking_store = describe(settings)
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    bin_dir = Path(sys.executable).parent
    procs = {
        "api": _spawn("api", [str(bin_dir / "benchcrm"), "serve", "--host", settings.api_host,
                              "--port", str(settings.api_port)], log_dir, env),
        "dagster": _spawn("dagster", [str(bin_dir / "dagster"), "dev", "-m", "orchestration.definitions",
                                      "-h", "127.0.0.1", "-p", str(settings.dagster_port)], log_dir, env),
        "mlflow": _spawn("mlflow", [str(bin_dir / "benchcrm"), "mlflow-server", "--host", "127.0.0.1",
                                    "--port", str(settings.mlflow_port)], log_dir, env),
    }
    console.print(
        f"\n[bold]BenchCRM is up[/] (logs in {log_dir}):\n"
        f"  API + OpenAPI docs  http://{settings.api_host}:{settings.api_port}/docs\n"
        f"  Dagster UI          http://127.0.0.1:{settings.dagster_port}\n"
        f"  MLflow server (UI)  http://127.0.0.1:{settings.mlflow_port} ({tracking_store})\n"
        f"  Postgres (BI, TCP)  {pg_url or 'Unix socket only: ' + str(settings.pg_data_dir)}\n"
        f"  first request       {first_request(settings, tenant)}\n"
        "Ctrl-C stops the servers; the database keeps running (`benchcrm db stop`)."
    )
    supervise(procs, console, log_dir)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def supervise(procs: dict[str, subprocess.Popen], console, log_dir: Path) -> None:
    """Until Ctrl-C, SIGTERM or SIGHUP (`docker stop`, a closed terminal, `kill`), or until one server exits: then
    stop them all. Each runs in its own session (`_spawn`), so a signal to this process alone reaches none of
    them; without the handlers a `kill` left them running, holding their ports, and the next demo's API failed
    with "address already in use"."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    console.print(f"[red]{name} exited with {proc.returncode}; see {log_dir / (name + '.log')}[/]")
                    raise KeyboardInterrupt
            time.sleep(1)
    except KeyboardInterrupt:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
