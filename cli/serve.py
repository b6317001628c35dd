"""`benchcrm serve`: migrate, then serve the API (with the webhook dispatcher) on localhost."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.main import app, fail

if TYPE_CHECKING:
    from warehouse.settings import Settings


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: BENCHCRM_API_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: BENCHCRM_API_PORT, 8000)."),
    workers: int | None = typer.Option(None, min=1, max=16, help="Worker processes (default: BENCHCRM_API_WORKERS, "
                                                                  "one per core up to 4)."),
    dispatcher: bool = typer.Option(True, help="Run the webhook dispatcher beside the API."),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from serving.main import create_app
    from serving.observability import configure_logging
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        prepare_database(settings)
    except (DatabaseUnavailable, MigrationError) as exc:
        raise fail(str(exc)) from None
    configure_logging()
    host, port = host or settings.api_host, port or settings.api_port
    workers = workers or settings.api_workers
    typer.echo(f"BenchCRM API on http://{host}:{port} (docs: http://{host}:{port}/docs)")
    if workers == 1:
        uvicorn.run(create_app(settings, start_dispatcher=dispatcher, start_snapshot_writer=True), host=host, port=port, log_config=None,
                    access_log=False)
    else:  # several processes: each builds its own app; one dispatcher per process is safe (leases, SKIP LOCKED)
        import os

        os.environ["BENCHCRM_SERVE_DISPATCHER"] = "1" if dispatcher else "0"
        # Each worker warms up (models, caches) in its lifespan before it accepts from the shared socket. uvicorn
        # gives a replacement worker (SIGHUP) only `timeout_worker_healthcheck` to be ready, else it keeps the old
        # ones and aborts the reload: the warm start's budget and room for the models (docs/adr/0040).
        uvicorn.run("serving.asgi:app", host=host, port=port, workers=workers, log_config=None, access_log=False,
                    timeout_worker_healthcheck=worker_ready_timeout(settings))


def worker_ready_timeout(settings: Settings) -> int:
    """Seconds a new worker may take to be ready: the caches' warm start budget plus the models' and listeners'."""
    return int(settings.warm_cache_seconds) + 60
