"""MLflow tracking + registry for the ranker (used by Dagster assets and benchmarks, never by serving).

- one experiment per tenant, `benchcrm/<tenant slug>/ranking`, with its artifacts under `<destination>/<tenant slug>`,
  and one registered model per tenant, `benchcrm-ranker-<tenant slug>`, trained on that tenant's outcomes only, its
  runs and versions tagged `tenant`; the prior `benchcrm-prior` (fitted on no tenant's data; serves tenants without a
  champion) lives in the shared experiment `benchcrm/ranking` —
  ranker + calibrator as one pyfunc, with signature, input example, feature list and metrics; aliases `champion` /
  `challenger` (no stages);
- promotion gate: a new version becomes `champion` only if it beats the current champion on the same held-out
  period (MRR@10 not lower and Brier not higher, one of them strictly better); otherwise it stays `challenger` and the
  reason is logged as a run tag and a version tag;
- the champion is exported to its `ModelTarget.export_dir` for `ml.matching.champion` (serving never imports
  MLflow).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ml.matching.champion import champion_dir, prior_dir
from ml.ranking.bundle import RankerBundle
from warehouse.settings import Settings

EXPERIMENT = "benchcrm/ranking"
MODEL_NAME = "benchcrm-ranker"
PRIOR_MODEL_NAME = "benchcrm-prior"
CHAMPION, CHALLENGER = "champion", "challenger"
GATE_METRICS = ("mrr_at_10", "brier")


@dataclass(frozen=True)
class ModelTarget:
    """Where one model line is registered and exported, and the experiment (and its artifact folder) its runs go to;
    `tenant` is the tenant slug of a per-tenant line (tagged on its runs and versions), empty for the shared prior."""

    registered_name: str
    export_dir: Path
    experiment: str = EXPERIMENT
    tenant: str = ""


def tenant_experiment(tenant_slug: str) -> str:
    return f"benchcrm/{tenant_slug}/ranking"


def tenant_target(settings: Settings, tenant_id: Any, tenant_slug: str) -> ModelTarget:
    return ModelTarget(f"{MODEL_NAME}-{tenant_slug}", champion_dir(settings, tenant_id),
                       experiment=tenant_experiment(tenant_slug), tenant=tenant_slug)


def prior_target(settings: Settings) -> ModelTarget:
    return ModelTarget(PRIOR_MODEL_NAME, prior_dir(settings))


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str


@dataclass(frozen=True)
class Registration:
    run_id: str
    experiment_id: str
    version: str
    aliases: tuple[str, ...]
    decision: GateDecision
    run_url: str


def promotion_gate(challenger: dict[str, float], champion: dict[str, float] | None) -> GateDecision:
    """Both metrics measured on the same held-out period."""
    if champion is None:
        return GateDecision(True, "no champion registered yet")
    c_mrr, k_mrr = challenger["mrr_at_10"], champion["mrr_at_10"]
    c_brier, k_brier = challenger["brier"], champion["brier"]
    if c_mrr >= k_mrr and c_brier <= k_brier and (c_mrr > k_mrr or c_brier < k_brier):
        return GateDecision(True, f"beats champion: MRR@10 {c_mrr:.4f} ≥ {k_mrr:.4f}, Brier {c_brier:.4f} ≤ {k_brier:.4f}")
    parts = []
    if c_mrr < k_mrr:
        parts.append(f"MRR@10 {c_mrr:.4f} < champion {k_mrr:.4f}")
    if c_brier > k_brier:
        parts.append(f"Brier {c_brier:.4f} > champion {k_brier:.4f}")
    return GateDecision(False, "; ".join(parts) or "ties the champion on MRR@10 and Brier")


def configure(settings: Settings, target: ModelTarget | None = None) -> str:
    """Point MLflow at the configured backend (warehouse.mlflow_store: the `mlflow` Postgres database by default);
    returns the id of the target's experiment (the shared `benchcrm/ranking` without a target). A new experiment
    keeps its artifacts in the configured destination (a folder, or an S3-compatible prefix), a tenant's in its own
    `<destination>/<tenant slug>` (so one tenant's artifacts can be moved, listed or erased alone); behind a tracking
    server (http URI) the server's own artifact store applies."""
    import mlflow

    from warehouse.mlflow_store import artifacts_destination, tracking_uri

    uri = tracking_uri(settings)
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    name = target.experiment if target is not None else EXPERIMENT
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        location = None
        if not uri.startswith(("http://", "https://")):
            location = artifacts_destination(settings)
            if target is not None and target.tenant:
                location = f"{location}/{target.tenant}"
        tags = {"tenant": target.tenant} if target is not None and target.tenant else None
        try:
            return mlflow.create_experiment(name, artifact_location=location, tags=tags)
        except mlflow.exceptions.MlflowException:
            # Two tenants' first runs at once both create the shared experiment: the second finds the first's.
            experiment = mlflow.get_experiment_by_name(name)
            if experiment is None:
                raise
    return experiment.experiment_id


def run_url(settings: Settings, experiment_id: str, run_id: str) -> str:
    return f"http://{settings.api_host}:{settings.mlflow_port}/#/experiments/{experiment_id}/runs/{run_id}"


def export_champion(target_dir: Path, bundle: RankerBundle) -> Path:
    """Write the champion files atomically (a half-written export is never visible to the API)."""
    target = target_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".champion-", dir=target.parent))
    bundle.save(staging)
    backup = target.with_name("champion.previous")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        target.rename(backup)
    staging.rename(target)
    return target


def current_champion_version(settings: Settings, target: ModelTarget) -> str | None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure(settings, target)
    try:
        return MlflowClient().get_model_version_by_alias(target.registered_name, CHAMPION).version
    except MlflowException:
        return None


def with_real_pairs(decision: GateDecision, check: Any | None) -> GateDecision:
    """A model that ranks labelled real pairs worse than the seed formula is never promoted, whatever it does on
    the tenant's own period (`check`: ml.evaluation.real_pairs.RealPairsCheck, None when no such data is here)."""
    if check is None:
        return decision
    if not check.passed:
        return GateDecision(False, f"{check.reason}; " + decision.reason)
    return GateDecision(decision.promote, f"{decision.reason}; {check.reason}")


def input_example(frame: Any, features: list[str]) -> Any:
    """The model's logged input example: one row of per-feature medians in the features' own types. Not a row of
    the training data, so the artifacts hold no pair of a real requirement and person (ADR 0019: MLflow keeps
    models and aggregate metrics, nothing an erasure would have to find)."""
    import polars as pl

    return frame.select([pl.col(c).cast(pl.Float64).median().cast(frame.schema[c]) for c in features]).to_pandas()


def log_and_register(settings: Settings, *, target: ModelTarget, bundle: RankerBundle, params: dict[str, Any],
                     metrics: dict[str, dict[str, float]], champion_metrics: dict[str, float] | None,
                     artifacts: dict[str, Path], example: Any, tags: dict[str, str] | None = None,
                     real_pairs: Any | None = None) -> Registration:
    """Log one training run (params, every model's metrics, plots), register the pyfunc, apply the gate.

    `metrics` is model -> metric -> value on the test period (must contain "lightgbm"); `champion_metrics` is the
    current champion re-scored on that same period (None when there is none); `real_pairs` the model's check on
    labelled real pairs (`with_real_pairs`)."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from ml.ranking.pyfunc import RankerPyfunc

    experiment_id = configure(settings, target)
    challenger = metrics["lightgbm"]
    decision = with_real_pairs(promotion_gate(challenger, champion_metrics), real_pairs)
    client = MlflowClient()
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"ranker-{bundle.version}") as run:
        mlflow.log_params({k: (json.dumps(v) if isinstance(v, list | dict) else v) for k, v in params.items()})
        for model, values in metrics.items():
            mlflow.log_metrics({f"{model}.{k}": float(v) for k, v in values.items()
                                if isinstance(v, int | float) and np.isfinite(v)})
        if real_pairs is not None:
            mlflow.log_metrics({"real_pairs.auc": real_pairs.model_auc,
                                "real_pairs.seed_formula_auc": real_pairs.seed_formula_auc,
                                "real_pairs.n": float(real_pairs.pairs)})
        if champion_metrics:
            mlflow.log_metrics({f"champion.{k}": float(v) for k, v in champion_metrics.items()
                                if isinstance(v, int | float) and np.isfinite(v)})
        for path in artifacts.values():
            mlflow.log_artifact(str(path), artifact_path="plots" if path.suffix == ".png" else "reports")
        mlflow.log_dict({"features": bundle.features}, "features.json")
        tenant_tags = {"tenant": target.tenant} if target.tenant else {}
        mlflow.set_tags({"promotion_decision": "champion" if decision.promote else "challenger",
                         "promotion_reason": decision.reason, **tenant_tags, **(tags or {})})
        with tempfile.TemporaryDirectory() as tmp:
            folder = bundle.save(Path(tmp) / "bundle")
            output = RankerPyfunc()
            output.bundle = bundle
            signature = infer_signature(example, output.predict(None, example))
            info = mlflow.pyfunc.log_model(
                name="model", python_model=RankerPyfunc(), artifacts={"bundle": str(folder)}, signature=signature,
                input_example=example, registered_model_name=target.registered_name,
                pip_requirements=["lightgbm", "numpy", "pandas", "polars", "mlflow"],
                metadata={"features": bundle.features, "metrics": challenger},
            )
        version = str(info.registered_model_version)
        run_id = run.info.run_id
    name = target.registered_name
    client.set_model_version_tag(name, version, "promotion_reason", decision.reason)
    if target.tenant:
        client.set_model_version_tag(name, version, "tenant", target.tenant)
    client.set_model_version_tag(name, version, "mrr_at_10", f"{challenger['mrr_at_10']:.4f}")
    client.set_model_version_tag(name, version, "brier", f"{challenger['brier']:.4f}")
    client.set_registered_model_alias(name, CHALLENGER, version)
    aliases = [CHALLENGER]
    if decision.promote:
        client.set_registered_model_alias(name, CHAMPION, version)
        aliases.append(CHAMPION)
        bundle.version = f"{name}/{version}"
        bundle.metrics = {k: float(v) for k, v in challenger.items()}
        export_champion(target.export_dir, bundle)
    return Registration(run_id, experiment_id, version, tuple(aliases), decision,
                        run_url(settings, experiment_id, run_id))


def load_registered(settings: Settings, target: ModelTarget, alias: str = CHAMPION):
    """The registered pyfunc behind an alias (for evaluation and debugging, not serving)."""
    import mlflow

    configure(settings, target)
    return mlflow.pyfunc.load_model(f"models:/{target.registered_name}@{alias}")
