"""Ranking model lifecycle as assets: features → training set → ranker → calibrator → evaluation → registry →
batch recommendations, plus drift. Bodies only wire the `ml.training` steps (the ones `train_models` composes for
tests and benchmarks); values pass between assets as arguments through the tenant's IO manager (io_manager.py)."""


import json
import time
from typing import Any

import dagster as dg
import numpy as np
import polars as pl

from ml.training.dataset import Split, time_split
from ml.training.pipeline import Calibration, FittedModels, assemble, calibrate, fit_models
from ml.training.report import EvaluationReport
from orchestration.defs.resources import PostgresResource, TenantDatabase, tenant_database
from orchestration.defs.train.io_manager import TRAIN_IO_MANAGER
from orchestration.defs.train.real_pairs import RealPairsResource
from orchestration.lib.partitions import tenants_partitions

GROUP_FEATURES, GROUP_TRAIN, GROUP_CALIBRATE, GROUP_SERVE = "features", "train", "calibrate", "serve"


class RankerConfig(dg.Config):
    # Defaults = ml.ranking.trainer.RankerParams (chosen on the demo world's validation period, see RESULTS.md).
    objective: str = "binary"  # or "lambdarank" (LambdaMART); binary ranks as well and calibrates better here
    num_leaves: int = 4
    learning_rate: float = 0.03
    num_boost_round: int = 1500
    min_data_in_leaf: int = 200
    refit_on_validation: bool = True  # final model on train + validation with the early-stopped rounds
    seed: int = 7


class BatchConfig(dg.Config):
    max_requirements: int = 50
    top_k: int = 10


def _settings(db: TenantDatabase):
    return db._settings()


def _store(db: TenantDatabase):
    """The tenant's folder for report files (plots, HTML); values between assets go through the IO manager."""
    from ml.training.store import ArtifactStore

    return ArtifactStore.for_tenant(_settings(db), db.tenant_slug)


def _real_pairs_metadata(check) -> dict:
    return check.as_metadata() if check is not None else {"real_pairs": "none here (BENCHCRM_SHARED_DATA)"}


def _md_table(metrics: dict[str, dict[str, float]], keys: tuple[str, ...]) -> str:
    lines = ["| model | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for model, values in metrics.items():
        lines.append(f"| {model} | " + " | ".join(f"{values.get(k, float('nan')):.4f}" for k in keys) + " |")
    return "\n".join(lines)


def _image(path) -> dg.MetadataValue:
    import base64

    data = base64.b64encode(path.read_bytes()).decode()
    return dg.MetadataValue.md(f"![{path.stem}](data:image/png;base64,{data})")


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_FEATURES, kinds={"python", "polars", "postgres"}, io_manager_key=TRAIN_IO_MANAGER,
          deps=[dg.AssetKey("normalized_skills"), dg.AssetKey("requirement_embeddings"),
                dg.AssetKey("consultant_embeddings")])
def pair_features(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.Output[pl.DataFrame]:
    """One row per labelled submission: point-in-time features (history strictly before the submission) + label."""
    from ml.features.columns import MODEL_FEATURES
    from ml.training.source import load_training_source

    db = tenant_database(context, postgres)
    started = time.perf_counter()
    with db.tenant_tx() as conn:
        source = load_training_source(conn)
    frame = source.frame()
    unknown = {c: float(frame[c].is_nan().mean()) for c in MODEL_FEATURES}
    return dg.Output(frame, metadata={
        "rows": frame.height, "dagster/row_count": frame.height, "positive_rate": float(frame["label"].mean()),
        "requirements": frame["query"].n_unique(), "seconds": round(time.perf_counter() - started, 2),
        "unknown_share": dg.MetadataValue.json({k: round(v, 4) for k, v in unknown.items()}),
    })


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_FEATURES, kinds={"python", "polars"}, io_manager_key=TRAIN_IO_MANAGER)
def training_set(pair_features: pl.DataFrame) -> dg.Output[Split]:
    """Time-based split by requirement arrival: train (past), validation (next), test (the future period)."""
    split = time_split(pair_features)
    return dg.Output(split, metadata={k: float(v) for k, v in split.describe().items()})


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_TRAIN, kinds={"python", "lightgbm"}, io_manager_key=TRAIN_IO_MANAGER)
def ranker_model(context: dg.AssetExecutionContext, config: RankerConfig, postgres: PostgresResource,
                 training_set: Split) -> dg.Output[FittedModels]:
    """LightGBM ranker (binary log-loss by default, lambdarank via config; queries = requirements), early-stopped on
    validation, then refit on train + validation; the logistic baseline beside it, on the same rows."""
    from ml.evaluation.plots import feature_importance_plot
    from ml.ranking.trainer import RankerParams, feature_importance

    db = tenant_database(context, postgres)
    params = RankerParams(objective=config.objective, num_leaves=config.num_leaves, learning_rate=config.learning_rate,
                          num_boost_round=config.num_boost_round, min_data_in_leaf=config.min_data_in_leaf,
                          refit_on_validation=config.refit_on_validation, seed=config.seed)
    fitted = fit_models(training_set, params)
    booster = fitted.ranker.booster
    importance = feature_importance(booster)
    plot = feature_importance_plot(importance, _store(db).path("feature_importance.png"))
    return dg.Output(fitted, metadata={
        "best_iteration": fitted.ranker.best_iteration, "final_rounds": int(booster.best_iteration),
        "trained_on_rows": training_set.train.height + (training_set.valid.height if params.refit_on_validation
                                                        else 0),
        "seconds": round(sum(fitted.timings.values()), 2),
        "feature_importance": _image(plot), "feature_importance_path": dg.MetadataValue.path(str(plot)),
        "top_features": dg.MetadataValue.json(dict(sorted(importance.items(), key=lambda kv: -kv[1])[:8])),
    })


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_CALIBRATE, kinds={"python", "scikitlearn"}, io_manager_key=TRAIN_IO_MANAGER)
def calibrator(ranker_model: FittedModels, training_set: Split) -> dg.Output[Calibration]:
    """Isotonic vs Platt on the validation period's held-out margins (lower Brier wins); the seed formula gets Platt
    too."""
    calibration = calibrate(ranker_model, training_set.valid)
    return dg.Output(calibration, metadata={
        "chosen": calibration.calibrator.kind,
        **{f"validation_brier_{k}": v for k, v in calibration.briers.items()}})


@dg.asset(partitions_def=tenants_partitions, group_name=GROUP_TRAIN, kinds={"python"}, io_manager_key=TRAIN_IO_MANAGER)
def model_evaluation(context: dg.AssetExecutionContext, postgres: PostgresResource, dev_pairs: RealPairsResource,
                     training_set: Split, ranker_model: FittedModels,
                     calibrator: Calibration) -> dg.Output[EvaluationReport]:
    """Seed formula, logistic, LightGBM — and the demo world's oracle — on the future test period."""
    from ml.evaluation.oracle_bridge import oracle_probabilities
    from ml.training.report import evaluation_report

    db = tenant_database(context, postgres)
    test = training_set.test
    oracle = oracle_probabilities(db.admin_engine(), db.tenant_id(), test)
    trained = assemble(ranker_model, calibrator, version="candidate")
    report = evaluation_report(trained, test, oracle, _store(db).root)
    keys = ("auc", "pr_auc", "brier", "bss", "ece", "mrr_at_10", "recall_at_10", "top5_hit")
    lgbm = report.metrics["lightgbm"]
    real_pairs = dev_pairs.check(trained.ranker)
    reliability, pr = report.files["reliability"], report.files["pr_curve"]
    return dg.Output(report, metadata={
        **_real_pairs_metadata(real_pairs),
        "metrics": dg.MetadataValue.md(_md_table(report.metrics, keys)),
        "gap_to_oracle": dg.MetadataValue.json(report.evaluation.gap_to_oracle()),
        "lightgbm_versus": dg.MetadataValue.json(report.lightgbm_versus),
        "has_oracle": report.has_oracle, "ece_noise_floor_95": report.ece_noise_floor_95,
        "lightgbm_mrr_at_10": lgbm["mrr_at_10"], "lightgbm_brier": lgbm["brier"], "lightgbm_ece": lgbm["ece"],
        "seed_formula_mrr_at_10": report.metrics["seed_formula"]["mrr_at_10"],
        "reliability_diagram": _image(reliability), "pr_curve": _image(pr),
        "reliability_diagram_path": dg.MetadataValue.path(str(reliability)),
        "pr_curve_path": dg.MetadataValue.path(str(pr)),
    })


@dg.asset(partitions_def=tenants_partitions, group_name=GROUP_TRAIN, kinds={"mlflow"})
def registered_model(context: dg.AssetExecutionContext, postgres: PostgresResource, training_set: Split,
                     ranker_model: FittedModels, calibrator: Calibration,
                     model_evaluation: EvaluationReport) -> dg.MaterializeResult:
    """Log the run to MLflow, register ranker + calibrator as the tenant's `benchcrm-ranker-<slug>` (trained on its
    outcomes only), apply the promotion gate against the tenant's champion re-scored on the same test period, export
    the champion for serving that tenant."""
    from ml.training.register import register_candidate

    db = tenant_database(context, postgres)
    registered = register_candidate(
        _settings(db), tenant_id=db.tenant_id(), tenant_slug=db.tenant_slug,
        trained=assemble(ranker_model, calibrator, version="candidate"), split=training_set,
        report=model_evaluation, version=f"run-{context.run.run_id[:8]}",
        tags={"dagster_run_id": context.run.run_id, "tenant": db.tenant_slug},
    )
    registration = registered.registration
    context.log.info("model version %s: %s (%s)", registration.version,
                     "champion" if registration.decision.promote else "challenger", registration.decision.reason)
    return dg.MaterializeResult(metadata={
        "model_version": registration.version, "aliases": ", ".join(registration.aliases),
        "promoted": registration.decision.promote, "gate_reason": registration.decision.reason,
        "mlflow_run": dg.MetadataValue.url(registration.run_url), "mlflow_run_id": registration.run_id,
        "champion_metrics": dg.MetadataValue.json(registered.champion_metrics or {}),
        **_real_pairs_metadata(registered.real_pairs),
    })


@dg.asset(partitions_def=tenants_partitions, group_name=GROUP_TRAIN, kinds={"python", "lightgbm", "mlflow"})
def prior_model(context: dg.AssetExecutionContext, postgres: PostgresResource, dev_pairs: RealPairsResource,
                training_set: Split) -> dg.MaterializeResult:
    """The cold-start prior (`benchcrm-prior`) for tenants without a champion: fitted on the demo world's outcomes
    through pair-describing features only (text fit + the seed factors; no history, quotes or visa mix), with
    structured fields hidden at real-input rates and every feature monotone. Promoted when it beats the current prior
    on the same period and never ranks labelled real pairs (when present) worse than the seed formula."""
    from ml.matching.champion import load_prior
    from ml.registry import input_example, log_and_register, prior_target
    from ml.training.prior import PriorParams, fit_prior, hidden_test_metrics

    db = tenant_database(context, postgres)
    settings = _settings(db)
    split = training_set
    params = PriorParams()
    started = time.perf_counter()
    bundle = fit_prior(split, params, version=f"prior-{db.tenant_slug}")
    current = load_prior(settings)
    metrics = hidden_test_metrics(split.test, {"lightgbm": bundle, "seed_formula": None,
                                               **({"current_prior": current} if current is not None else {})}, params)
    champion_metrics = metrics.pop("current_prior", None)
    real_pairs = dev_pairs.check(bundle)
    registration = log_and_register(
        settings, target=prior_target(settings), bundle=bundle,
        params={**params.__dict__, "features": list(bundle.features), "fitted_on": f"demo world {db.tenant_slug}"},
        metrics=metrics, champion_metrics=champion_metrics, artifacts={},
        example=input_example(split.test, bundle.features), tags={"kind": "prior"}, real_pairs=real_pairs,
    )
    context_keys = ("auc", "brier", "mrr_at_10", "top5_hit")
    return dg.MaterializeResult(metadata={
        "model_version": registration.version, "promoted": registration.decision.promote,
        "gate_reason": registration.decision.reason, "mlflow_run": dg.MetadataValue.url(registration.run_url),
        "seconds": round(time.perf_counter() - started, 2),
        "metrics_hidden_like_real": dg.MetadataValue.md(_md_table(metrics, context_keys)),
        **_real_pairs_metadata(real_pairs),
    })


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_SERVE, kinds={"python", "postgres"}, deps=[registered_model, prior_model])
def batch_recommendations(context: dg.AssetExecutionContext, config: BatchConfig,
                          postgres: PostgresResource) -> dg.MaterializeResult:
    """Nightly top-K consultants for the newest open requirements with the champion (or the seed formula), stored
    as `batch` match runs with feature snapshots."""
    from ml.matching.champion import load_serving_model
    from ml.matching.service import recommend_for_requirement, store_recommendations
    from warehouse.queries.matching import newest_open_requirement_ids

    db = tenant_database(context, postgres)
    tenant_id = db.tenant_id()
    model = load_serving_model(_settings(db), tenant_id)
    with db.tenant_tx() as conn:
        ids = newest_open_requirement_ids(conn, limit=config.max_requirements)
    latencies, items, version = [], 0, None
    for rid in ids:
        with db.tenant_tx() as conn:
            result = recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=rid, top_k=config.top_k,
                                               explain=True, model=model)
            store_recommendations(conn, tenant_id=tenant_id, result=result, kind="batch")
        latencies.append(result.stats["total_ms"])
        items += len(result.items)
        version = result.model_version
    return dg.MaterializeResult(metadata={
        "requirements": len(ids), "recommendations": items, "model_version": version or "none",
        "p50_ms": float(np.percentile(latencies, 50)) if latencies else 0.0,
        "p95_ms": float(np.percentile(latencies, 95)) if latencies else 0.0,
    })


@dg.asset(partitions_def=tenants_partitions,
          group_name=GROUP_TRAIN, kinds={"python", "evidently"}, io_manager_key=TRAIN_IO_MANAGER)
def drift_report(context: dg.AssetExecutionContext, postgres: PostgresResource, training_set: Split,
                 ranker_model: FittedModels) -> dg.Output[dict[str, Any]]:
    """PSI per feature and on predictions between the training period and the most recent period, an Evidently
    HTML report, and the win rate over time. History features are reported apart (`max_history_psi`): they fill in
    as the tenant's history grows, which is not drift."""
    from ml.drift.psi import drift_summary, evidently_report, psi, win_rate_over_time
    from ml.evaluation.plots import line_plot
    from ml.features.columns import MODEL_FEATURES
    from ml.ranking.trainer import matrix

    db = tenant_database(context, postgres)
    store = _store(db)
    reference, current = training_set.train, training_set.test
    table, monitored = drift_summary(reference, current, list(MODEL_FEATURES))
    booster = ranker_model.ranker.booster
    prediction_psi = psi(booster.predict(matrix(reference)), booster.predict(matrix(current)))
    # Evidently is slow per column: report the features that moved most.
    html = evidently_report(reference, current, table["feature"].to_list()[:8], store.path("drift_report.html"))
    everything = pl.concat([reference, training_set.valid, current])
    wins = win_rate_over_time(everything)
    plot = line_plot([str(d) for d in wins["period_start_day"].to_list()], wins["win_rate"].to_list(),
                     store.path("win_rate.png"), title="Advance rate per 4 weeks", ylabel="advance rate")
    summary = {**monitored, "prediction_psi": prediction_psi}
    drift = {**summary, "psi": dict(zip(table["feature"], table["psi"], strict=True))}
    return dg.Output(drift, metadata={
        **summary, "psi_by_feature": dg.MetadataValue.json(dict(zip(table["feature"].to_list()[:10],
                                                                    table["psi"].to_list()[:10], strict=True))),
        "evidently_html": dg.MetadataValue.path(str(html)), "win_rate": _image(plot),
        "win_rate_series": dg.MetadataValue.json(json.loads(wins.write_json())),
    })
