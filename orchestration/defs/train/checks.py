"""Quality and monitoring checks on the ranking assets.

`pair_features_within_bounds` runs the `pair_features` Great Expectations suite (ml/quality/suites.py) on the
frame the IO manager hands over. The model checks warn rather than block: the promotion decision itself is made by `registered_model` (a challenger becomes
`champion` only if it beats the serving champion — the seed formula when none is registered — on MRR@10 and Brier),
so a weak model is registered as `challenger` with its reason while recommendations and marts still refresh.
"""


from typing import Any

import dagster as dg
import polars as pl

from ml.training.report import EvaluationReport
from orchestration.defs.resources import PostgresResource, tenant_database
from orchestration.defs.train.assets import drift_report, model_evaluation, pair_features
from orchestration.lib.quality import check_result, validate

ECE_LIMIT = 0.03
PSI_LIMIT = 0.25


@dg.asset_check(asset=pair_features, description="Keys, labels and every bounded feature within its bounds (the "
                                                "`pair_features` expectation suite); warns, the training refuses "
                                                "thin or one-sided history itself (ml.training.dataset).")
def pair_features_within_bounds(context: dg.AssetCheckExecutionContext, postgres: PostgresResource,
                                pair_features: pl.DataFrame) -> dg.AssetCheckResult:
    validation = validate(tenant_database(context, postgres), "pair_features", pair_features.to_pandas())
    return check_result(validation, "pair_features_within_bounds", severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=model_evaluation)
def ranker_beats_seed_formula_on_mrr_at_10(model_evaluation: EvaluationReport) -> dg.AssetCheckResult:
    metrics = model_evaluation.metrics
    ranker, seed = metrics["lightgbm"]["mrr_at_10"], metrics["seed_formula"]["mrr_at_10"]
    return dg.AssetCheckResult(passed=bool(ranker > seed), severity=dg.AssetCheckSeverity.WARN,
                               metadata={"lightgbm": ranker, "seed_formula": seed})


@dg.asset_check(asset=model_evaluation)
def calibration_ece_below_0_03(model_evaluation: EvaluationReport) -> dg.AssetCheckResult:
    """ECE ≤ 0.03, unless the test period is so small that a perfectly calibrated model would exceed 0.03 by
    chance (the 95th percentile of ECE under perfect calibration, simulated from the model's own probabilities)."""
    ece = model_evaluation.metrics["lightgbm"]["ece"]
    noise = model_evaluation.ece_noise_floor_95
    limit = max(ECE_LIMIT, noise)
    return dg.AssetCheckResult(passed=bool(ece <= limit), severity=dg.AssetCheckSeverity.WARN,
                               metadata={"ece": ece, "limit": limit, "noise_floor_95": noise})


@dg.asset_check(asset=drift_report)
def drift_psi_below_threshold(drift_report: dict[str, Any]) -> dg.AssetCheckResult:
    """PSI of the predictions and of every non-history feature below PSI_LIMIT (history features fill in as the
    tenant's history grows; they are shown, not alarmed on — ml.drift.psi.history_features)."""
    drift = drift_report
    worst = max(drift["max_feature_psi"], drift["prediction_psi"])
    return dg.AssetCheckResult(
        passed=bool(worst < PSI_LIMIT), severity=dg.AssetCheckSeverity.ERROR,
        metadata={"max_feature_psi": drift["max_feature_psi"], "prediction_psi": drift["prediction_psi"],
                  "top_feature": drift["top_feature"], "limit": PSI_LIMIT,
                  "max_history_psi": drift.get("max_history_psi", 0.0),
                  "top_history_feature": drift.get("top_history_feature") or ""},
    )
