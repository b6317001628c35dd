"""Which executor runs the steps of a Dagster run (ADR 0021): processes on this machine by default, or one Kubernetes
job per step (dagster-k8s `k8s_job_executor`) when `BENCHCRM_EXECUTOR=k8s`. The run itself is launched by the
instance's run launcher (`infra/dagster/dagster.k8s.yaml`, or the Helm chart's from `infra/helm/values.yaml`)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from warehouse.settings import Settings

# Embedding a bench is the heaviest step by far (CPU-bound, ~1.5 GB resident with the model): it gets its own size.
HEAVY_STEPS = ("consultant_embeddings", "requirement_embeddings")


def k8s_executor_config(settings: Settings) -> dict[str, Any]:
    """Config for `k8s_job_executor`: step pods get the run's image and env (from the launcher) plus these."""
    def resources(cpu: str, memory: str) -> dict[str, Any]:
        return {"container_config": {"resources": {"requests": {"cpu": cpu, "memory": memory},
                                                   "limits": {"memory": memory}}}}

    return {
        "job_namespace": settings.k8s_namespace,
        "env_secrets": [settings.k8s_env_secret],
        "max_concurrent": settings.max_concurrent_steps,
        "step_k8s_config": resources("500m", "2Gi"),
        "per_step_k8s_config": {step: resources("2", "4Gi") for step in HEAVY_STEPS},
    }


def executor_for(settings: Settings) -> dg.ExecutorDefinition:
    if settings.executor == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured(k8s_executor_config(settings), name="benchcrm_k8s")
    return dg.multiprocess_executor.configured({"max_concurrent": settings.max_concurrent_steps},
                                               name="benchcrm_multiprocess")
