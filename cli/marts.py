"""`benchcrm marts`: build the KPI marts with dbt and optionally snapshot them to Parquet + DuckDB."""

from __future__ import annotations

import typer

from cli.main import app, fail


@app.command("marts")
def marts(
    select: str = typer.Option("", help="dbt selection (e.g. 'kpi_tenant_period+'); empty builds everything."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Rebuild incremental facts from scratch."),
    export: bool = typer.Option(False, "--export", help="Then write the marts to Parquet + DuckDB."),
    tenant: str = typer.Option("", help="Export only this tenant (slug); default: every tenant."),
) -> None:
    """dbt build of the KPI marts (staging, intermediate, marts; tests included) as the owner connection."""
    from warehouse.db import admin_engine
    from warehouse.dbt_env import WARN_ERROR_ARGS, run_dbt
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.offline.export import export_marts
    from warehouse.placement import PRIMARY, PlacementError, resolve_slug, server_settings
    from warehouse.settings import get_settings

    settings = get_settings()
    tenant_id, server = None, PRIMARY
    if export and tenant:  # check before the (slow) build
        try:
            tenant_id, server = resolve_slug(settings, tenant)
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        except PlacementError:
            raise fail(f"tenant {tenant!r} does not exist") from None
    # cautious: a partial build runs only the tests whose parents it all rebuilt; a test joining a rebuilt model to
    # one left as it was would fail on that staleness, not on the data
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else []
    args = ["build", *WARN_ERROR_ARGS, *selection, *(["--full-refresh"] if full_refresh else [])]
    try:
        proc = run_dbt(settings, *args)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    summary = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
    if proc.returncode != 0:
        typer.echo(proc.stdout[-6000:], err=True)
        raise fail(f"dbt build failed ({summary[-1].split('Done. ')[-1] if summary else 'see output above'})")
    typer.echo(f"dbt build: {summary[-1].split('Done. ')[-1] if summary else 'ok'}")
    from warehouse.dbt_env import run_dbt_on_servers

    for server, proc in run_dbt_on_servers(settings, *args).items():  # the other placement servers' marts
        done = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
        if proc.returncode != 0:
            typer.echo(proc.stdout[-6000:], err=True)
            raise fail(f"dbt build on server {server!r} failed")
        typer.echo(f"dbt build on {server}: {done[-1].split('Done. ')[-1] if done else 'ok'}")
    if export:
        folder = settings.data_dir / "exports" / (tenant or "all")
        result = export_marts(admin_engine(server_settings(settings, server)), folder, tenant_id=tenant_id)
        typer.echo(f"exported {len(result.row_counts)} tables, {sum(result.row_counts.values())} rows "
                   f"to {result.directory} (DuckDB: {result.duckdb_path})")
