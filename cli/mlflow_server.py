"""`benchcrm mlflow-server`: the MLflow tracking server on BenchCRM's stores (what `benchcrm demo` and the image run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from cli.main import app, fail


@app.command("mlflow-server")
def mlflow_server(
    host: str = typer.Option("127.0.0.1", help="Bind address."),
    port: int | None = typer.Option(None, help="Port (default: BENCHCRM_MLFLOW_PORT, 5000)."),
) -> None:
    """Serve MLflow: runs and models in the `mlflow` Postgres database (or BENCHCRM_MLFLOW_TRACKING_URI), artifacts in
    the data folder or BENCHCRM_MLFLOW_ARTIFACTS_DESTINATION (s3://…), proxied by the server."""
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.mlflow_store import server_args
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        args = server_args(settings, host, port or settings.mlflow_port)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    executable = Path(sys.executable).parent / "mlflow"
    os.execv(executable, [str(executable), *args])
