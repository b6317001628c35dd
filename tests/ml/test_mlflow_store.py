"""MLflow on a server's stores: tracking in the `mlflow` Postgres database of the BenchCRM server by default,
artifacts in a folder or in an S3-compatible store (a moto server started here), an old SQLite store kept working,
and `mlflow server` (what `benchcrm demo` starts) serving runs and artifacts from those stores."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from ml.registry import CHAMPION, log_and_register, tenant_experiment, tenant_target
from ml.training.pipeline import evaluate, train_models
from tests.ml.synthetic import synthetic_split
from warehouse.databases import ensure_database
from warehouse.embedded import admin_url
from warehouse.mlflow_store import MLFLOW_DATABASE, legacy_sqlite_store, postgres_store, tracking_uri
from warehouse.settings import REPO_ROOT, Settings


@pytest.fixture(scope="module")
def small_model():
    split = synthetic_split(n_consultants=120, n_requirements=120, per_requirement=8, seed=5)
    models = train_models(split, version="store-test")
    return split, models, evaluate(models, split.test)


@pytest.fixture
def server_settings(settings, admin_engine, tmp_path) -> Settings:
    """A fresh data folder on the session's Postgres server (so no second embedded server starts)."""
    return Settings(database_url=admin_url(settings), data_dir=tmp_path)


def _register(settings: Settings, small_model, slug: str):
    split, models, ev = small_model
    example = split.test.select(models.ranker.features)[:3].to_pandas()
    target = tenant_target(settings, uuid.uuid4(), slug)
    registration = log_and_register(settings, target=target, bundle=models.ranker, params={"seed": 5},
                                    metrics=ev.metrics, champion_metrics=None, artifacts={}, example=example)
    return target, registration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_server(monkeypatch) -> Iterator[str]:
    """A real S3 HTTP endpoint (moto's server) with one bucket; MLflow and boto3 find it through the environment."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {"MLFLOW_S3_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="benchcrm-mlflow")
    yield endpoint
    server.stop()


def _objects(endpoint: str, bucket: str) -> list[str]:
    import boto3

    listing = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def mlflow_server(store_settings, tmp_path) -> Iterator[str]:
    """`benchcrm mlflow-server` (what `benchcrm demo` and the image run) on the stores of `store_settings`, configured
    through the environment like a deployment; yields its base URL."""
    port = _free_port()
    log = tmp_path / "mlflow-server.log"
    env = {**os.environ, "BENCHCRM_DATABASE_URL": store_settings.database_url,
           "BENCHCRM_DATA_DIR": str(store_settings.data_dir),
           "BENCHCRM_MLFLOW_TRACKING_URI": store_settings.mlflow_tracking_uri,
           "BENCHCRM_MLFLOW_ARTIFACTS_DESTINATION": store_settings.mlflow_artifacts_destination}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "mlflow-server", "--port", str(port)], cwd=REPO_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:  # readiness poll, not a timing assumption: the server migrates its schema first
            if proc.poll() is not None:
                raise AssertionError(f"mlflow server exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("mlflow server did not answer /health within 180 s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_tracking_defaults_to_the_mlflow_database_on_the_benchcrm_server(server_settings, small_model):
    from mlflow import MlflowClient

    uri = tracking_uri(server_settings)
    assert make_url(uri).database == MLFLOW_DATABASE and uri.startswith("postgresql")
    assert tracking_uri(server_settings) == uri
    slug = f"pg-{uuid.uuid4().hex[:8]}"
    target, registration = _register(server_settings, small_model, slug)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run = client.get_run(registration.run_id)
    assert run.data.metrics["lightgbm.mrr_at_10"] > 0
    assert str(client.get_model_version_by_alias(target.registered_name, CHAMPION).version) == registration.version
    # The experiment may predate this data folder (the database is the server's), but its artifacts are files.
    artifact_uri = run.info.artifact_uri
    assert artifact_uri.startswith("file://")
    assert (Path(artifact_uri.removeprefix("file://")) / "features.json").is_file()
    assert not legacy_sqlite_store(server_settings).exists()


def test_a_data_folder_with_an_sqlite_store_keeps_it(server_settings, small_model):
    from mlflow import MlflowClient

    legacy = legacy_sqlite_store(server_settings)
    legacy.parent.mkdir(parents=True)
    first_uri = f"sqlite:///{legacy}"
    old = Settings(database_url=server_settings.database_url, data_dir=server_settings.data_dir,
                   mlflow_tracking_uri=first_uri)
    _, before = _register(old, small_model, "legacy")
    assert tracking_uri(server_settings) == first_uri  # no explicit URI: the existing file wins over Postgres
    client = MlflowClient(tracking_uri=first_uri)
    assert client.get_run(before.run_id).info.experiment_id == client.get_experiment_by_name(tenant_experiment("legacy")).experiment_id


@pytest.fixture
def store_settings(server_settings, s3_server) -> Settings:
    """Tracking in a database of its own (so the S3 experiment is new) and artifacts in the S3 bucket."""
    database = f"mlflow_s3_{uuid.uuid4().hex[:8]}"
    return Settings(database_url=server_settings.database_url, data_dir=server_settings.data_dir,
                    mlflow_tracking_uri=ensure_database(server_settings, database),
                    mlflow_artifacts_destination="s3://benchcrm-mlflow/mlflow/")


def test_artifacts_go_to_the_s3_store_and_the_server_serves_them(store_settings, s3_server, small_model,
                                                                 mlflow_server):
    import mlflow

    target, registration = _register(store_settings, small_model, "s3")
    keys = _objects(s3_server, "benchcrm-mlflow")
    assert any(key.endswith(f"{registration.run_id}/artifacts/features.json") for key in keys), keys
    assert any(key.endswith("MLmodel") for key in keys), keys
    assert not (store_settings.mlflow_artifact_root).exists()  # nothing fell back to the local folder

    # The registered champion loads back from S3 and predicts.
    split, models, _ = small_model
    loaded = mlflow.pyfunc.load_model(f"models:/{target.registered_name}@{CHAMPION}")
    example = split.test.select(models.ranker.features)[:3].to_pandas()
    assert len(loaded.predict(example)) == 3

    # The MLflow server reads the same Postgres store and fetches the artifact from S3 for the UI.
    run = httpx.get(f"{mlflow_server}/api/2.0/mlflow/runs/get", params={"run_id": registration.run_id},
                    timeout=120).json()
    assert run["run"]["info"]["artifact_uri"].startswith("s3://benchcrm-mlflow/mlflow/")
    try:
        body = httpx.get(f"{mlflow_server}/get-artifact", params={"path": "features.json",
                                                                  "run_uuid": registration.run_id}, timeout=120)
    except httpx.HTTPError as exc:
        raise AssertionError(f"{exc}; server log: {(store_settings.data_dir / 'mlflow-server.log').read_text()[-4000:]}") from exc
    assert body.status_code == 200 and body.json()["features"] == list(models.ranker.features)


def test_an_owner_that_cannot_create_databases_gets_a_precise_error(settings, admin_engine, tmp_path):
    import sqlalchemy as sa

    from warehouse.embedded import DatabaseUnavailable

    role = f"nocreatedb_{uuid.uuid4().hex[:8]}"
    with admin_engine.begin() as conn:
        conn.exec_driver_sql(f"create role {role} login nocreatedb password 'x'")
    url = make_url(admin_url(settings)).set(username=role, password="x").render_as_string(hide_password=False)
    limited = Settings(database_url=url, data_dir=tmp_path)
    database = f"mlflow_{uuid.uuid4().hex[:8]}"  # one that does not exist yet, as on a fresh server
    try:
        with pytest.raises(DatabaseUnavailable, match=rf"cannot create MLflow's database '{database}' \(.*permission"):
            postgres_store(limited, database)
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f"drop role {role}"))

