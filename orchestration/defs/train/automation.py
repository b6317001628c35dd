"""Retraining: nightly schedule, and a sensor that retrains when enough new outcomes arrived."""


import dagster as dg

from orchestration.defs.resources import PostgresResource
from orchestration.defs.train.assets import (
    batch_recommendations,
    calibrator,
    drift_report,
    model_evaluation,
    pair_features,
    ranker_model,
    registered_model,
    training_set,
)

NEW_OUTCOMES_TO_RETRAIN = 200

train_job = dg.define_asset_job(
    "train_job",
    selection=dg.AssetSelection.assets(pair_features, training_set, ranker_model, calibrator, model_evaluation,
                                       registered_model, batch_recommendations, drift_report),
)

retrain_nightly_schedule = dg.ScheduleDefinition(
    name="retrain_nightly_schedule", job=train_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
)


@dg.sensor(job=train_job, minimum_interval_seconds=600)
def new_outcomes_sensor(context: dg.SensorEvaluationContext, postgres: PostgresResource):
    """Counts outcomes (interviews + closed submissions); requests a retrain after NEW_OUTCOMES_TO_RETRAIN more."""
    from warehouse.queries.matching import outcomes_recorded

    with postgres.tenant_tx() as conn:
        outcomes = outcomes_recorded(conn)
    last = int(context.cursor or 0)
    if outcomes - last < NEW_OUTCOMES_TO_RETRAIN:
        return dg.SkipReason(f"{outcomes - last} new outcomes since the last retrain (< {NEW_OUTCOMES_TO_RETRAIN})")
    context.update_cursor(str(outcomes))
    return dg.RunRequest(run_key=f"outcomes-{outcomes}")
