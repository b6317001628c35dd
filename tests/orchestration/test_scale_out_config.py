"""Scale-out configuration resolves with the real libraries, without a cluster (ADR 0021): the production
dagster.yaml and the Helm values (rendered the way the official chart's templates do) load a `K8sRunLauncher` and a
`QueuedRunCoordinator` with per-tenant limits, and the `k8s_job_executor` config of orchestration/lib/executors.py
validates and builds its step-delegating executor against that instance. Locally the default is multiprocess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.executor.init import InitExecutorContext
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_k8s import K8sRunLauncher, k8s_job_executor

from orchestration.lib.executors import HEAVY_STEPS, executor_for, k8s_executor_config
from orchestration.lib.instance import ensure_dagster_database
from warehouse.settings import REPO_ROOT, Settings

PRODUCTION_YAML = REPO_ROOT / "infra" / "dagster" / "dagster.k8s.yaml"
HELM_VALUES = REPO_ROOT / "infra" / "helm" / "values.yaml"
# A kubeconfig naming a cluster that does not exist: the Kubernetes client loads it without connecting, which is
# all a run launcher does until it launches a run. It stands in for the in-cluster service account here.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: benchcrm}}]
current-context: none
"""

# What the chart's `dagsterYaml.runLauncher.k8s` template (helm/dagster/templates/helpers/instance/_run-launcher.tpl)
# does with each key of runLauncher.config.k8sRunLauncher: a key missing here fails the test rather than vanishing.
_PLAIN = {"loadInclusterConfig": "load_incluster_config", "kubeconfigFile": "kubeconfig_file",
          "jobNamespace": "job_namespace", "imagePullPolicy": "image_pull_policy", "envVars": "env_vars",
          "volumeMounts": "volume_mounts", "volumes": "volumes", "labels": "labels", "resources": "resources",
          "failPodOnRunFailure": "fail_pod_on_run_failure", "schedulerName": "scheduler_name",
          "securityContext": "security_context"}
_NAMED_LISTS = {"envConfigMaps": "env_config_maps", "envSecrets": "env_secrets"}
_RUN_K8S = {"containerConfig": "container_config", "podSpecConfig": "pod_spec_config",
            "podTemplateSpecMetadata": "pod_template_spec_metadata", "jobSpecConfig": "job_spec_config",
            "jobMetadata": "job_metadata"}


def render_run_launcher(values: dict[str, Any], release_namespace: str = "benchcrm") -> dict[str, Any]:
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    chart = values["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {
        "job_namespace": release_namespace,
        "service_account_name": "dagster",                      # dagster.serviceAccountName
        "dagster_home": values["global"]["dagsterHome"],
        "instance_config_map": "dagster-instance",              # <fullname>-instance
        "postgres_password_secret": "dagster-postgresql-secret",  # dagster.postgresql.secretName
    }
    for key, value in chart.items():
        if key in _PLAIN:
            config[_PLAIN[key]] = value
        elif key in _NAMED_LISTS:
            config[_NAMED_LISTS[key]] = [item["name"] for item in value]
        elif key == "image":
            config["job_image"] = f"{value['repository']}:{value['tag']}"
        elif key == "runK8sConfig":
            config["run_k8s_config"] = {_RUN_K8S[k]: v for k, v in value.items()}
        else:
            raise AssertionError(f"runLauncher.config.k8sRunLauncher.{key} is not a key the chart renders")
    return {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": config}


def render_run_coordinator(values: dict[str, Any]) -> dict[str, Any]:
    """The chart's `dagsterYaml.runCoordinator.queued` template."""
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    renamed = {"maxConcurrentRuns": "max_concurrent_runs", "tagConcurrencyLimits": "tag_concurrency_limits",
               "dequeueIntervalSeconds": "dequeue_interval_seconds"}
    unknown = set(queued) - set(renamed)
    assert not unknown, f"queuedRunCoordinator keys the chart does not render: {unknown}"
    return {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator",
            "config": {renamed[k]: v for k, v in queued.items()}}


def _without_cluster(instance_yaml: dict[str, Any], home: Path) -> dict[str, Any]:
    """The same instance config, but the run launcher reads the stand-in kubeconfig instead of the pod's account."""
    (home / "kubeconfig").write_text(KUBECONFIG)
    launcher = dict(instance_yaml["run_launcher"]["config"], load_incluster_config=False,
                    kubeconfig_file=str(home / "kubeconfig"))
    return {**instance_yaml, "run_launcher": {**instance_yaml["run_launcher"], "config": launcher}}


def _load_instance(instance_yaml: dict[str, Any], home: Path) -> dg.DagsterInstance:
    (home / "dagster.yaml").write_text(yaml.safe_dump(_without_cluster(instance_yaml, home)))
    return dg.DagsterInstance.from_config(str(home))


def _schema_errors(config_type, value) -> list[str]:
    result = process_config(config_type, value)
    return [error.message for error in (result.errors or [])]


@pytest.fixture
def dagster_pg(settings, admin_engine, monkeypatch) -> str:
    url = ensure_dagster_database(settings, database="dagster_k8s_test")
    monkeypatch.setenv("BENCHCRM_DAGSTER_PG_URL", url)
    return url


def test_production_instance_loads_k8s_run_launcher_on_postgres_storage(tmp_path, dagster_pg):
    production = yaml.safe_load(PRODUCTION_YAML.read_text())
    # As written (in-cluster credentials), the launcher's config satisfies dagster-k8s's own schema.
    assert _schema_errors(K8sRunLauncher.config_type(), production["run_launcher"]["config"]) == []
    with _load_instance(production, tmp_path) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, K8sRunLauncher)
        assert launcher.job_namespace == "benchcrm"
        assert launcher.env_secrets == ["benchcrm-env"] and "BENCHCRM_EXECUTOR=k8s" in launcher.env_vars
        assert launcher.run_k8s_config["container_config"]["resources"]["limits"] == {"memory": "4Gi"}
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, QueuedRunCoordinator)
        assert coordinator.get_run_queue_config().tag_concurrency_limits == [
            {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 4}]
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"


def test_helm_values_render_to_the_same_launcher_and_coordinator(tmp_path):
    values = yaml.safe_load(HELM_VALUES.read_text())
    rendered = {"run_launcher": render_run_launcher(values), "run_coordinator": render_run_coordinator(values)}
    assert _schema_errors(K8sRunLauncher.config_type(), rendered["run_launcher"]["config"]) == []
    production = yaml.safe_load(PRODUCTION_YAML.read_text())
    for key in ("env_secrets", "env_vars", "run_k8s_config", "labels", "job_namespace"):
        assert rendered["run_launcher"]["config"][key] == production["run_launcher"]["config"][key], key
    assert rendered["run_coordinator"]["config"] == production["run_coordinator"]["config"]
    with _load_instance(rendered, tmp_path) as instance:
        assert isinstance(instance.run_launcher, K8sRunLauncher)
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 40
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    assert {"name": "BENCHCRM_EXECUTOR", "value": "k8s"} in deployment["env"]


def test_a_misspelled_launcher_key_is_refused_by_the_library():
    production = yaml.safe_load(PRODUCTION_YAML.read_text())
    bad = dict(production["run_launcher"]["config"], job_namepsace="benchcrm")
    assert any("job_namepsace" in message for message in _schema_errors(K8sRunLauncher.config_type(), bad))


def test_k8s_job_executor_config_validates_and_builds_against_the_k8s_instance(tmp_path, dagster_pg):
    settings = Settings(executor="k8s", max_concurrent_steps=8)
    config = k8s_executor_config(settings)
    result = process_config(k8s_job_executor.config_schema.config_type, config)
    assert result.success, [e.message for e in result.errors]
    assert set(result.value["per_step_k8s_config"]) == set(HEAVY_STEPS)
    assert not process_config(k8s_job_executor.config_schema.config_type, {**config, "max_concurrent": "8"}).success

    from orchestration.definitions import defs

    job = defs().resolve_job_def("full_pipeline_job")
    with _load_instance(yaml.safe_load(PRODUCTION_YAML.read_text()), tmp_path) as instance:
        context = InitExecutorContext(job=InMemoryJob(job), executor_def=k8s_job_executor,
                                      executor_config=result.value, instance=instance)
        executor = k8s_job_executor.executor_creation_fn(context)
    assert type(executor).__name__ == "StepDelegatingExecutor"
    assert executor._max_concurrent == 8  # the limit the executor will enforce
    assert executor_for(settings).name == "benchcrm_k8s"


def test_locally_every_job_runs_on_the_multiprocess_executor(monkeypatch):
    from orchestration.definitions import defs
    from warehouse.settings import get_settings

    monkeypatch.delenv("BENCHCRM_EXECUTOR", raising=False)
    get_settings.cache_clear()
    job = defs().resolve_job_def("full_pipeline_job")
    assert job.executor_def.name == "benchcrm_multiprocess"
    monkeypatch.setenv("BENCHCRM_EXECUTOR", "k8s")
    get_settings.cache_clear()
    try:
        assert defs().resolve_job_def("full_pipeline_job").executor_def.name == "benchcrm_k8s"
    finally:
        monkeypatch.delenv("BENCHCRM_EXECUTOR")
        get_settings.cache_clear()
