"""Retraining per tenant: a nightly schedule that requests every tenant's partition, and a sensor that retrains a
tenant when enough new outcomes arrived for it."""

import json

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
from orchestration.lib.partitions import TENANTS_PARTITION, tenant_tags

NEW_OUTCOMES_TO_RETRAIN = 200

train_job = dg.define_asset_job(
    "train_job",
    selection=dg.AssetSelection.assets(pair_features, training_set, ranker_model, calibrator, model_evaluation,
                                       registered_model, batch_recommendations, drift_report),
)


@dg.schedule(name="retrain_nightly_schedule", job=train_job, cron_schedule="0 3 * * *", execution_timezone="UTC")
def retrain_nightly_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """One run per tenant partition (the tag concurrency limit spreads them over the night)."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(run_key=f"nightly-{day}-{slug}", partition_key=slug, tags=tenant_tags(slug))
            for slug in context.instance.get_dynamic_partitions(TENANTS_PARTITION)]


@dg.sensor(job=train_job, minimum_interval_seconds=600)
def new_outcomes_sensor(context: dg.SensorEvaluationContext, postgres: PostgresResource) -> dg.SensorResult:
    """Counts each tenant's outcomes (interviews + closed submissions); requests that tenant's retrain after
    NEW_OUTCOMES_TO_RETRAIN more. The cursor is {tenant slug: outcomes at its last request}."""
    from warehouse.queries.matching import outcomes_recorded

    seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for slug in context.instance.get_dynamic_partitions(TENANTS_PARTITION):
        with postgres.tenant_tx(slug) as conn:
            outcomes = outcomes_recorded(conn)
        if outcomes - seen.get(slug, 0) >= NEW_OUTCOMES_TO_RETRAIN:
            seen[slug] = outcomes
            requests.append(dg.RunRequest(run_key=f"outcomes-{slug}-{outcomes}", partition_key=slug,
                                          tags=tenant_tags(slug)))
    cursor = json.dumps(seen, sort_keys=True)
    if not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason(
            f"no tenant has {NEW_OUTCOMES_TO_RETRAIN} new outcomes since its last retrain"), cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
