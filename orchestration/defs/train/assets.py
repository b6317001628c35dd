"""Ranking model lifecycle as assets: features → training set → ranker → calibrator → evaluation → registry →
batch recommendations, plus drift. Bodies only wire: the logic lives in `ml/`."""


import json
import time

import dagster as dg
import numpy as np

from orchestration.defs.resources import PostgresResource

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


def _settings(postgres: PostgresResource):
    return postgres._settings()


def _store(postgres: PostgresResource):
    from ml.training.store import ArtifactStore

    return ArtifactStore.for_tenant(_settings(postgres), postgres.tenant_slug)


def _real_pairs_cache(settings):
    return settings.data_dir / "cache" / "real_pairs"


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


@dg.asset(group_name=GROUP_FEATURES, kinds={"python", "polars", "postgres"},
          deps=[dg.AssetKey("normalized_skills"), dg.AssetKey("requirement_embeddings"),
                dg.AssetKey("consultant_embeddings")])
def pair_features(postgres: PostgresResource) -> dg.MaterializeResult:
    """One row per labelled submission: point-in-time features (history strictly before the submission) + label."""
    from ml.features.columns import MODEL_FEATURES
    from ml.training.source import load_training_source

    started = time.perf_counter()
    with postgres.tenant_tx() as conn:
        source = load_training_source(conn)
    frame = source.frame()
    path = _store(postgres).write_frame("pair_features", frame)
    unknown = {c: float(frame[c].is_nan().mean()) for c in MODEL_FEATURES}
    return dg.MaterializeResult(metadata={
        "rows": frame.height, "positive_rate": float(frame["label"].mean()),
        "requirements": frame["query"].n_unique(), "path": str(path),
        "seconds": round(time.perf_counter() - started, 2),
        "unknown_share": dg.MetadataValue.json({k: round(v, 4) for k, v in unknown.items()}),
    })


@dg.asset(group_name=GROUP_FEATURES, kinds={"python", "polars"}, deps=[pair_features])
def training_set(postgres: PostgresResource) -> dg.MaterializeResult:
    """Time-based split by requirement arrival: train (past), validation (next), test (the future period)."""
    from ml.training.dataset import time_split

    store = _store(postgres)
    split = time_split(store.read_frame("pair_features"))
    for name in ("train", "valid", "test"):
        store.write_frame(f"split_{name}", getattr(split, name))
    store.write_json("split", split.describe())
    return dg.MaterializeResult(metadata={k: float(v) for k, v in split.describe().items()})


@dg.asset(group_name=GROUP_TRAIN, kinds={"python", "lightgbm"}, deps=[training_set])
def ranker_model(config: RankerConfig, postgres: PostgresResource) -> dg.MaterializeResult:
    """LightGBM ranker (binary log-loss by default, lambdarank via config; queries = requirements), early-stopped on
    validation, then refit on train + validation; the logistic baseline beside it, on the same rows."""
    import polars as pl

    from ml.evaluation.plots import feature_importance_plot
    from ml.ranking.trainer import RankerParams, feature_importance, fit_final_ranker, fit_logistic
    from ml.training.pipeline import labelled_history

    store = _store(postgres)
    train, valid = store.read_frame("split_train"), store.read_frame("split_valid")
    params = RankerParams(objective=config.objective, num_leaves=config.num_leaves, learning_rate=config.learning_rate,
                          num_boost_round=config.num_boost_round, min_data_in_leaf=config.min_data_in_leaf,
                          refit_on_validation=config.refit_on_validation, seed=config.seed)
    started = time.perf_counter()
    fitted = fit_final_ranker(train, valid, params)
    booster = fitted.booster
    logistic = fit_logistic(labelled_history(train, valid, params), seed=params.seed)
    store.write_booster(booster)
    # Held-out margins for the calibrator (the final booster has seen the validation rows).
    store.write_frame("valid_margins", pl.DataFrame({"margin": fitted.valid_margin}))
    store.write_pickle("logistic", logistic)
    store.write_json("ranker_params", params.__dict__)
    importance = feature_importance(booster)
    plot = feature_importance_plot(importance, store.path("feature_importance.png"))
    return dg.MaterializeResult(metadata={
        "best_iteration": fitted.best_iteration, "final_rounds": int(booster.best_iteration),
        "trained_on_rows": train.height + (valid.height if params.refit_on_validation else 0),
        "seconds": round(time.perf_counter() - started, 2),
        "feature_importance": _image(plot), "feature_importance_path": dg.MetadataValue.path(str(plot)),
        "top_features": dg.MetadataValue.json(dict(sorted(importance.items(), key=lambda kv: -kv[1])[:8])),
    })


@dg.asset(group_name=GROUP_CALIBRATE, kinds={"python", "scikitlearn"}, deps=[ranker_model])
def calibrator(postgres: PostgresResource) -> dg.MaterializeResult:
    """Isotonic vs Platt on the validation period's held-out margins (lower Brier wins); the seed formula gets Platt
    too."""
    from ml.calibration.calibrators import CONTEXT_FEATURES, fit_best_calibrator, fit_platt
    from ml.training.pipeline import seed_scores

    store = _store(postgres)
    valid = store.read_frame("split_valid")
    raw = store.read_frame("valid_margins")["margin"].to_numpy()
    context = {c: valid[c].to_numpy().astype(float) for c in CONTEXT_FEATURES}
    seed = store.read_json("ranker_params")["seed"]
    chosen, briers = fit_best_calibrator(raw, valid["label"].to_numpy(), context, seed=seed)
    store.write_calibrator("calibrator", chosen)
    store.write_calibrator("seed_calibrator", fit_platt(seed_scores(valid), valid["label"].to_numpy(), context=None))
    store.write_json("calibration_briers", briers)
    return dg.MaterializeResult(metadata={"chosen": chosen.kind, **{f"validation_brier_{k}": v
                                                                     for k, v in briers.items()}})


def _trained(store):
    from ml.features.columns import MODEL_FEATURES
    from ml.ranking.bundle import RankerBundle
    from ml.ranking.trainer import RankerParams
    from ml.training.pipeline import TrainedModels

    bundle = RankerBundle(booster=store.read_booster(), calibrator=store.read_calibrator("calibrator"),
                          features=list(MODEL_FEATURES), version="candidate")
    return TrainedModels(ranker=bundle, logistic=store.read_pickle("logistic"),
                         seed_calibrator=store.read_calibrator("seed_calibrator"),
                         calibration_briers=store.read_json("calibration_briers"),
                         params=RankerParams(**store.read_json("ranker_params")))


@dg.asset(group_name=GROUP_TRAIN, kinds={"python"}, deps=[calibrator])
def model_evaluation(postgres: PostgresResource) -> dg.MaterializeResult:
    """Seed formula, logistic, LightGBM — and the demo world's oracle — on the future test period."""
    from ml.evaluation.metrics import bootstrap_differences, ece_noise_floor
    from ml.evaluation.oracle_bridge import oracle_probabilities
    from ml.evaluation.plots import pr_curve, reliability_diagram
    from ml.evaluation.real_pairs import check_on_real_pairs
    from ml.training.pipeline import evaluate

    store = _store(postgres)
    test = store.read_frame("split_test")
    oracle = oracle_probabilities(postgres.admin_engine(), postgres.tenant_id(), test)
    trained = _trained(store)
    ev = evaluate(trained, test, oracle)
    probs = {m: p for m, (_, p) in ev.predictions.items()}
    reliability = reliability_diagram(ev.labels, probs, store.path("reliability.png"))
    pr = pr_curve(ev.labels, probs, store.path("pr_curve.png"))
    noise = ece_noise_floor(probs["lightgbm"])
    # Is LightGBM really better, or is it a few requirements' luck? Paired bootstrap over test requirements.
    versus = {other: {k: {"difference": d, "ci95_low": lo, "ci95_high": hi} for k, (d, lo, hi) in
                      bootstrap_differences(ev.queries, ev.labels, ev.predictions["lightgbm"],
                                            ev.predictions[other]).items()}
              for other in ("logistic", "seed_formula")}
    store.write_json("evaluation", {"metrics": ev.metrics, "gap_to_oracle": ev.gap_to_oracle(),
                                    "ece_noise_floor_95": noise, "lightgbm_versus": versus})
    keys = ("auc", "pr_auc", "brier", "bss", "ece", "mrr_at_10", "recall_at_10", "top5_hit")
    lgbm = ev.metrics["lightgbm"]
    settings = _settings(postgres)
    real_pairs = check_on_real_pairs(trained.ranker, settings.dev_pairs_path, _real_pairs_cache(settings))
    return dg.MaterializeResult(metadata={
        **_real_pairs_metadata(real_pairs),
        "metrics": dg.MetadataValue.md(_md_table(ev.metrics, keys)),
        "gap_to_oracle": dg.MetadataValue.json(ev.gap_to_oracle()),
        "lightgbm_versus": dg.MetadataValue.json(versus),
        "has_oracle": oracle is not None, "ece_noise_floor_95": noise,
        "lightgbm_mrr_at_10": lgbm["mrr_at_10"], "lightgbm_brier": lgbm["brier"], "lightgbm_ece": lgbm["ece"],
        "seed_formula_mrr_at_10": ev.metrics["seed_formula"]["mrr_at_10"],
        "reliability_diagram": _image(reliability), "pr_curve": _image(pr),
        "reliability_diagram_path": dg.MetadataValue.path(str(reliability)), "pr_curve_path": dg.MetadataValue.path(str(pr)),
    })


@dg.asset(group_name=GROUP_TRAIN, kinds={"mlflow"}, deps=[model_evaluation])
def registered_model(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    """Log the run to MLflow, register ranker + calibrator as the tenant's `benchcrm-ranker-<slug>` (trained on its
    outcomes only), apply the promotion gate against the tenant's champion re-scored on the same test period, export
    the champion for serving that tenant."""
    from ml.evaluation.metrics import score_metrics
    from ml.evaluation.real_pairs import check_on_real_pairs
    from ml.matching.champion import load_champion
    from ml.registry import log_and_register, tenant_target

    settings = _settings(postgres)
    store = _store(postgres)
    test = store.read_frame("split_test")
    evaluation = store.read_json("evaluation")
    tenant_id = postgres.tenant_id()
    champion = load_champion(settings, tenant_id)
    if champion is not None:
        pred = champion.predict(test)
        champion_metrics = score_metrics(test["query"].to_numpy(), test["label"].to_numpy(), pred.raw,
                                         pred.success_probability)
    else:
        # With no model registered the API serves the seed formula: that is the champion to beat.
        champion_metrics = evaluation["metrics"]["seed_formula"]
    trained = _trained(store)
    trained.ranker.version = f"run-{context.run.run_id[:8]}"
    artifacts = {p.stem: p for p in (store.path("reliability.png"), store.path("pr_curve.png"),
                                     store.path("feature_importance.png"), store.path("evaluation.json"))
                 if p.exists()}
    real_pairs = check_on_real_pairs(trained.ranker, settings.dev_pairs_path, _real_pairs_cache(settings))
    registration = log_and_register(
        settings, target=tenant_target(settings, tenant_id, postgres.tenant_slug), bundle=trained.ranker,
        real_pairs=real_pairs, params={**store.read_json("ranker_params"), **store.read_json("split")},
        metrics=evaluation["metrics"], champion_metrics=champion_metrics, artifacts=artifacts,
        example=test.select(trained.ranker.features)[:5].to_pandas(),
        tags={"dagster_run_id": context.run.run_id, "tenant": postgres.tenant_slug},
    )
    context.log.info("model version %s: %s (%s)", registration.version,
                     "champion" if registration.decision.promote else "challenger", registration.decision.reason)
    return dg.MaterializeResult(metadata={
        "model_version": registration.version, "aliases": ", ".join(registration.aliases),
        "promoted": registration.decision.promote, "gate_reason": registration.decision.reason,
        "mlflow_run": dg.MetadataValue.url(registration.run_url), "mlflow_run_id": registration.run_id,
        "champion_metrics": dg.MetadataValue.json(champion_metrics or {}),
        **_real_pairs_metadata(real_pairs),
    })


@dg.asset(group_name=GROUP_TRAIN, kinds={"python", "lightgbm", "mlflow"}, deps=[training_set])
def prior_model(postgres: PostgresResource) -> dg.MaterializeResult:
    """The cold-start prior (`benchcrm-prior`) for tenants without a champion: fitted on the demo world's outcomes
    through pair-describing features only (text fit + the seed factors; no history, quotes or visa mix), with
    structured fields hidden at real-input rates and every feature monotone. Promoted when it beats the current prior
    on the same period and never ranks labelled real pairs (when present) worse than the seed formula."""
    from ml.evaluation.real_pairs import check_on_real_pairs
    from ml.matching.champion import load_prior
    from ml.registry import log_and_register, prior_target
    from ml.training.dataset import Split
    from ml.training.prior import PriorParams, fit_prior, hidden_test_metrics

    settings = _settings(postgres)
    store = _store(postgres)
    split = Split(*(store.read_frame(f"split_{n}") for n in ("train", "valid", "test")), valid_from_day=float("nan"),
                  test_from_day=float("nan"))
    params = PriorParams()
    started = time.perf_counter()
    bundle = fit_prior(split, params, version=f"prior-{postgres.tenant_slug}")
    current = load_prior(settings)
    metrics = hidden_test_metrics(split.test, {"lightgbm": bundle, "seed_formula": None,
                                               **({"current_prior": current} if current is not None else {})}, params)
    champion_metrics = metrics.pop("current_prior", None)
    real_pairs = check_on_real_pairs(bundle, settings.dev_pairs_path, _real_pairs_cache(settings))
    registration = log_and_register(
        settings, target=prior_target(settings), bundle=bundle,
        params={**params.__dict__, "features": list(bundle.features), "fitted_on": f"demo world {postgres.tenant_slug}"},
        metrics=metrics, champion_metrics=champion_metrics, artifacts={},
        example=split.test.select(bundle.features)[:5].to_pandas(), tags={"kind": "prior"}, real_pairs=real_pairs,
    )
    context_keys = ("auc", "brier", "mrr_at_10", "top5_hit")
    return dg.MaterializeResult(metadata={
        "model_version": registration.version, "promoted": registration.decision.promote,
        "gate_reason": registration.decision.reason, "mlflow_run": dg.MetadataValue.url(registration.run_url),
        "seconds": round(time.perf_counter() - started, 2),
        "metrics_hidden_like_real": dg.MetadataValue.md(_md_table(metrics, context_keys)),
        **_real_pairs_metadata(real_pairs),
    })


@dg.asset(group_name=GROUP_SERVE, kinds={"python", "postgres"}, deps=[registered_model, prior_model])
def batch_recommendations(config: BatchConfig, postgres: PostgresResource) -> dg.MaterializeResult:
    """Nightly top-K consultants for the newest open requirements with the champion (or the seed formula), stored
    as `batch` match runs with feature snapshots."""
    from ml.matching.champion import load_serving_model
    from ml.matching.service import recommend_for_requirement, store_recommendations
    from warehouse.queries.matching import newest_open_requirement_ids

    tenant_id = postgres.tenant_id()
    model = load_serving_model(_settings(postgres), tenant_id)
    with postgres.tenant_tx() as conn:
        ids = newest_open_requirement_ids(conn, limit=config.max_requirements)
    latencies, items, version = [], 0, None
    for rid in ids:
        with postgres.tenant_tx() as conn:
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


@dg.asset(group_name=GROUP_TRAIN, kinds={"python", "evidently"}, deps=[training_set, ranker_model])
def drift_report(postgres: PostgresResource) -> dg.MaterializeResult:
    """PSI per feature and on predictions between the training period and the most recent period, an Evidently
    HTML report, and the win rate over time. History features are reported apart (`max_history_psi`): they fill in
    as the tenant's history grows, which is not drift."""
    import polars as pl

    from ml.drift.psi import drift_summary, evidently_report, psi, win_rate_over_time
    from ml.evaluation.plots import line_plot
    from ml.features.columns import MODEL_FEATURES
    from ml.ranking.trainer import matrix

    store = _store(postgres)
    reference, current = store.read_frame("split_train"), store.read_frame("split_test")
    table, monitored = drift_summary(reference, current, list(MODEL_FEATURES))
    booster = store.read_booster()
    prediction_psi = psi(booster.predict(matrix(reference)), booster.predict(matrix(current)))
    # Evidently is slow per column: report the features that moved most.
    html = evidently_report(reference, current, table["feature"].to_list()[:8], store.path("drift_report.html"))
    everything = pl.concat([reference, store.read_frame("split_valid"), current])
    wins = win_rate_over_time(everything)
    plot = line_plot([str(d) for d in wins["period_start_day"].to_list()], wins["win_rate"].to_list(),
                     store.path("win_rate.png"), title="Advance rate per 4 weeks", ylabel="advance rate")
    summary = {**monitored, "prediction_psi": prediction_psi}
    store.write_json("drift", {**summary, "psi": dict(zip(table["feature"], table["psi"], strict=True))})
    return dg.MaterializeResult(metadata={
        **summary, "psi_by_feature": dg.MetadataValue.json(dict(zip(table["feature"].to_list()[:10],
                                                                    table["psi"].to_list()[:10], strict=True))),
        "evidently_html": dg.MetadataValue.path(str(html)), "win_rate": _image(plot),
        "win_rate_series": dg.MetadataValue.json(json.loads(wins.write_json())),
    })
