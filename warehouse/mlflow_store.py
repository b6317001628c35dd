"""Where MLflow keeps runs, models and artifacts (ADR 0021).

- tracking and registry: a Postgres database `mlflow` on the BenchCRM server (the embedded one by default), created
  on first use; `BENCHCRM_MLFLOW_TRACKING_URI` overrides it (any MLflow store URI, e.g. a remote `http://` server);
- artifacts: a folder under the data folder by default; `BENCHCRM_MLFLOW_ARTIFACTS_DESTINATION=s3://bucket/prefix`
  puts them in an S3-compatible store (MLflow and boto3 read `MLFLOW_S3_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID` and
  `AWS_SECRET_ACCESS_KEY` themselves);
- a data folder from before this change keeps its SQLite store (`mlflow/mlflow.db`): its runs, versions and aliases
  stay where they are and keep working; `make reset` (or deleting that file) moves a fresh start to Postgres.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from warehouse.settings import Settings

MLFLOW_DATABASE = "mlflow"


def legacy_sqlite_store(settings: Settings) -> Path:
    return settings.data_dir / "mlflow" / "mlflow.db"


def tracking_uri(settings: Settings) -> str:
    """The backend store URI for clients and for `mlflow server --backend-store-uri`."""
    if settings.mlflow_tracking_uri:
        return settings.mlflow_tracking_uri
    legacy = legacy_sqlite_store(settings)
    if legacy.is_file():
        return f"sqlite:///{legacy}"
    return postgres_store(settings)


def postgres_store(settings: Settings, database: str = MLFLOW_DATABASE) -> str:
    """URL of MLflow's database on the BenchCRM server, created if missing (once per server and process)."""
    return _postgres_store(settings.database_url, settings.data_dir, database)


@lru_cache(maxsize=8)
def _postgres_store(database_url: str | None, data_dir: Path, database: str) -> str:
    # Cached per server: every asset configures MLflow, the database needs creating once.
    import sqlalchemy as sa

    from warehouse.databases import ensure_database
    from warehouse.embedded import DatabaseUnavailable

    try:
        return ensure_database(Settings(database_url=database_url, data_dir=data_dir), database)
    except sa.exc.DBAPIError as exc:
        cause = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot create MLflow's database {database!r} ({cause}); create it, or set "
            "BENCHCRM_MLFLOW_TRACKING_URI to a store MLflow can use") from None


def artifacts_destination(settings: Settings) -> str:
    """Base URI for artifacts: the configured S3-compatible prefix, else a folder under the data folder."""
    if settings.mlflow_artifacts_destination:
        return settings.mlflow_artifacts_destination.rstrip("/")
    settings.mlflow_artifact_root.mkdir(parents=True, exist_ok=True)
    return settings.mlflow_artifact_root.as_uri()


def server_args(settings: Settings, host: str, port: int) -> list[str]:
    """`mlflow server` arguments: the same stores the pipeline writes to; artifacts proxied by the server so the UI
    and remote clients read them without credentials of their own."""
    return ["server", "--host", host, "--port", str(port), "--workers", str(settings.mlflow_workers),
            "--backend-store-uri", tracking_uri(settings),
            "--artifacts-destination", artifacts_destination(settings)]


def describe(settings: Settings) -> str:
    """One line for the console, without passwords."""
    from sqlalchemy.engine import make_url

    uri = tracking_uri(settings)
    if uri.startswith("postgresql"):
        url = make_url(uri)
        where = f"Postgres database {url.database!r}" + (f" on {url.host}" if url.host else "")
    elif uri.startswith("sqlite:///"):
        where = f"SQLite {uri.removeprefix('sqlite:///')}"
    else:
        where = uri
    return f"runs in {where}, artifacts in {artifacts_destination(settings)}"
