"""Quality and monitoring checks on the ranking assets.

They warn rather than block: the promotion decision itself is made by `registered_model` (a challenger becomes
`champion` only if it beats the serving champion — the seed formula when none is registered — on MRR@10 and Brier),
so a weak model is registered as `challenger` with its reason while recommendations and marts still refresh.
"""


import dagster as dg

from orchestration.defs.resources import PostgresResource
from orchestration.defs.train.assets import drift_report, model_evaluation

ECE_LIMIT = 0.03
PSI_LIMIT = 0.25


def _read(postgres: PostgresResource, name: str):
    from ml.training.store import ArtifactStore

    return ArtifactStore.for_tenant(postgres._settings(), postgres.tenant_slug).read_json(name)


@dg.asset_check(asset=model_evaluation)
def ranker_beats_seed_formula_on_mrr_at_10(postgres: PostgresResource) -> dg.AssetCheckResult:
    metrics = _read(postgres, "evaluation")["metrics"]
    ranker, seed = metrics["lightgbm"]["mrr_at_10"], metrics["seed_formula"]["mrr_at_10"]
    return dg.AssetCheckResult(passed=bool(ranker > seed), severity=dg.AssetCheckSeverity.WARN,
                               metadata={"lightgbm": ranker, "seed_formula": seed})


@dg.asset_check(asset=model_evaluation)
def calibration_ece_below_0_03(postgres: PostgresResource) -> dg.AssetCheckResult:
    """ECE ≤ 0.03, unless the test period is so small that a perfectly calibrated model would exceed 0.03 by
    chance (the 95th percentile of ECE under perfect calibration, simulated from the model's own probabilities)."""
    evaluation = _read(postgres, "evaluation")
    ece = evaluation["metrics"]["lightgbm"]["ece"]
    noise = evaluation.get("ece_noise_floor_95", 0.0)
    limit = max(ECE_LIMIT, noise)
    return dg.AssetCheckResult(passed=bool(ece <= limit), severity=dg.AssetCheckSeverity.WARN,
                               metadata={"ece": ece, "limit": limit, "noise_floor_95": noise})


@dg.asset_check(asset=drift_report)
def drift_psi_below_threshold(postgres: PostgresResource) -> dg.AssetCheckResult:
    """PSI of the predictions and of every non-history feature below PSI_LIMIT (history features fill in as the
    tenant's history grows; they are shown, not alarmed on — ml.drift.psi.history_features)."""
    drift = _read(postgres, "drift")
    worst = max(drift["max_feature_psi"], drift["prediction_psi"])
    return dg.AssetCheckResult(
        passed=bool(worst < PSI_LIMIT), severity=dg.AssetCheckSeverity.ERROR,
        metadata={"max_feature_psi": drift["max_feature_psi"], "prediction_psi": drift["prediction_psi"],
                  "top_feature": drift["top_feature"], "limit": PSI_LIMIT,
                  "max_history_psi": drift.get("max_history_psi", 0.0),
                  "top_history_feature": drift.get("top_history_feature") or ""},
    )
