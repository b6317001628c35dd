"""The ranking assets materialize end to end on a small seeded tenant (real Postgres, temporary MLflow backend),
their checks run, recommendations land in the database, and a second materialization is idempotent."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from ml.scoring.formula import SEED_MODEL_VERSION
from orchestration.defs.resources import PostgresResource
from orchestration.defs.train import assets, checks
from orchestration.defs.train.automation import new_outcomes_sensor, retrain_nightly_schedule, train_job
from orchestration.defs.train.io_manager import train_resources
from orchestration.lib.partitions import materialize_for_tenant

ALL_ASSETS = [assets.pair_features, assets.training_set, assets.ranker_model, assets.calibrator,
              assets.model_evaluation, assets.registered_model, assets.prior_model, assets.batch_recommendations,
              assets.drift_report]
ALL_CHECKS = [checks.pair_features_within_bounds, checks.ranker_beats_seed_formula_on_mrr_at_10,
              checks.calibration_ece_below_0_03, checks.drift_psi_below_threshold]


def _feature_rows(result) -> int:
    return result.asset_materializations_for_node("pair_features")[0].metadata["rows"].value


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _experiment_artifacts(settings, target=None) -> Path:
    """Where an experiment keeps its artifacts (the target's, else the shared one of the prior): fixed when the
    experiment was created, which may have been by an earlier test of the session with another data folder."""
    from urllib.parse import urlparse

    import mlflow

    from ml.registry import configure

    experiment_id = configure(settings, target)
    return Path(urlparse(mlflow.get_experiment(experiment_id).artifact_location).path)


def _people_in_artifacts(root: Path, world) -> list[str]:
    """Files under the MLflow artifact root holding one of the world's consultant or requirement ids or a
    consultant's name (ADR 0019: artifacts hold models and aggregate metrics, nothing erasure must find)."""
    ids = {str(r["id"]).encode() for r in (*world.consultants, *world.requirements)}
    names = re.compile(b"(?:" + "|".join(re.escape(c["full_name"]) for c in world.consultants).encode() + rb")(?!\d)")
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if set(_UUID.findall(data.lower())) & ids or names.search(data):
            found.append(str(path.relative_to(root)))
    return found


def _run(slug: str, selection=None) -> dg.ExecuteInProcessResult:
    return materialize_for_tenant(
        [*ALL_ASSETS, *ALL_CHECKS], tenant=slug, resources=train_resources(PostgresResource()), selection=selection,
        run_config=None if selection else {
            "ops": {"batch_recommendations": {"config": {"max_requirements": 5, "top_k": 5}},
                    # a small tenant: smaller leaves than the production defaults
                    "ranker_model": {"config": {"min_data_in_leaf": 20, "learning_rate": 0.05}}}},
    )


def test_train_assets_materialize_with_checks_and_store_recommendations(seeded_tenant, seeded_tenant_slug,
                                                                        admin_engine, settings):
    from ml.registry import tenant_target

    tenant_id, _ = seeded_tenant
    target = tenant_target(settings, tenant_id, seeded_tenant_slug)
    tenant_artifacts, prior_artifacts = _experiment_artifacts(settings, target), _experiment_artifacts(settings)
    examples_before = set(prior_artifacts.rglob("input_example.json"))
    result = _run(seeded_tenant_slug)
    assert result.success
    # Values pass through the tenant's folder of the data folder (the IO manager), frames as Parquet.
    stored = result.asset_materializations_for_node("pair_features")[0].metadata["value_path"].value
    assert stored.endswith(f"/ml/{seeded_tenant_slug}/values/pair_features.parquet")
    # The checks report what the evaluation measured. Whether LightGBM wins on a tenant this small (~40 test
    # requirements) is noise; that it wins on a real-size world is tests/ml/test_training.py and
    # benchmarks/model_quality.py. Here: the verdicts and the promotion must follow the metrics.
    checks_by_name = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    metrics = result.asset_materializations_for_node("model_evaluation")[0].metadata
    lgbm_mrr, seed_mrr = metrics["lightgbm_mrr_at_10"].value, metrics["seed_formula_mrr_at_10"].value
    assert checks_by_name["ranker_beats_seed_formula_on_mrr_at_10"] is (lgbm_mrr > seed_mrr)
    ece_limit = max(0.03, metrics["ece_noise_floor_95"].value)
    assert checks_by_name["calibration_ece_below_0_03"] is (metrics["lightgbm_ece"].value <= ece_limit)
    assert "drift_psi_below_threshold" in checks_by_name
    # The training frame the IO manager handed to the check meets its expectation suite.
    features_check = next(e for e in result.get_asset_check_evaluations()
                          if e.check_name == "pair_features_within_bounds")
    assert features_check.passed, features_check.metadata["failed_expectations"].value
    assert features_check.metadata["suite"].value == "pair_features"
    assert features_check.metadata["rows_validated"].value == _feature_rows(result)
    assert "| lightgbm |" in metrics["metrics"].value
    assert set(metrics["lightgbm_versus"].value) == {"logistic", "seed_formula"}
    registered = result.asset_materializations_for_node("registered_model")[0].metadata
    champion = registered["champion_metrics"].value  # no model registered yet: the seed formula is the champion
    lgbm_brier, seed_brier = metrics["lightgbm_brier"].value, champion["brier"]
    should_promote = (lgbm_mrr >= seed_mrr and lgbm_brier <= seed_brier
                      and (lgbm_mrr > seed_mrr or lgbm_brier < seed_brier))
    assert registered["promoted"].value is should_promote, registered["gate_reason"].value
    assert registered["mlflow_run"].value.startswith("http://")
    with admin_engine.connect() as conn:
        runs = conn.execute(sa.text(
            "select count(*), min(model_version) from crm.match_run where tenant_id = :t and kind = 'batch'"),
            {"t": tenant_id}).one()
    assert runs[0] == 5
    # The tenant's own champion when it won its gate, else the prior (fitted on no tenant's outcomes: here the
    # first prior is promoted, there being none before it and no real pairs to veto it).
    prior = result.asset_materializations_for_node("prior_model")[0].metadata
    assert prior["promoted"].value is True and "real_pairs_auc" not in prior
    expected = f"benchcrm-ranker-{seeded_tenant_slug}/" if should_promote else "benchcrm-prior/"
    assert runs[1].startswith(expected) and runs[1] != SEED_MODEL_VERSION
    with admin_engine.connect() as conn:
        stored = conn.execute(sa.text(
            "select r.match_score, r.success_probability, r.factors from crm.recommendation r"
            " join crm.match_run m on m.id = r.match_run_id where m.tenant_id = :t and m.kind = 'batch'"),
            {"t": tenant_id}).all()
    assert stored
    for score, probability, factors in stored:  # the explanation adds up to the score, model or seed formula
        total = factors.pop("_baseline", 0.0) + sum(f["contribution"] for f in factors.values())
        assert abs(total - score) < 1e-9 and 0 <= probability <= 1

    # What MLflow keeps holds no person: no consultant's or requirement's id, no name; the input example is one
    # row of medians, not a pair of the tenant's.
    assert _people_in_artifacts(tenant_artifacts, seeded_tenant[1]) == []
    assert _people_in_artifacts(prior_artifacts, seeded_tenant[1]) == []
    # The tenant's run is in its own experiment, with its artifacts in its own folder and the tenant tagged.
    assert tenant_artifacts.name == seeded_tenant_slug
    tenant_examples = set(tenant_artifacts.rglob("input_example.json"))
    examples = tenant_examples | (set(prior_artifacts.rglob("input_example.json")) - examples_before)
    assert len(tenant_examples) == 1 and len(examples) == 2  # the tenant's model and the prior
    assert all(len(json.loads(p.read_text())["data"]) == 1 for p in examples)
    from mlflow import MlflowClient

    run = MlflowClient().get_run(registered["mlflow_run_id"].value)
    assert run.data.tags["tenant"] == seeded_tenant_slug
    assert run.info.experiment_id == MlflowClient().get_experiment_by_name(
        f"benchcrm/{seeded_tenant_slug}/ranking").experiment_id

    # Register again from the same artifacts: it cannot beat the champion it ties with (itself, or the seed
    # formula it already lost to), so it stays challenger and says why.
    again = _run(seeded_tenant_slug, selection=[assets.registered_model])
    assert again.success
    second = again.asset_materializations_for_node("registered_model")[0].metadata
    assert second["promoted"].value is False and second["gate_reason"].value
    if should_promote:
        assert "ties" in second["gate_reason"].value


def test_automation_targets_the_train_job_per_tenant():
    from orchestration.lib.partitions import TENANTS_PARTITION

    assert retrain_nightly_schedule.cron_schedule == "0 3 * * *"
    assert retrain_nightly_schedule.job_name == train_job.name == "train_job"
    assert new_outcomes_sensor.job_name == "train_job"
    with dg.instance_for_test() as instance:  # a schedule context needs a persistent instance
        instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme", "globex"])
        requests = retrain_nightly_schedule(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 1, 5, 3)))
    assert [(r.partition_key, r.tags["benchcrm/tenant"]) for r in requests] == [("acme", "acme"),
                                                                             ("globex", "globex")]


def test_definitions_load_the_ranking_assets_job_schedule_and_sensor():
    from orchestration.definitions import defs

    loaded = defs()
    keys = {k.to_user_string() for k in loaded.resolve_all_asset_keys()}
    assert {"pair_features", "training_set", "ranker_model", "calibrator", "model_evaluation", "registered_model",
            "batch_recommendations", "drift_report"} <= keys
    assert loaded.resolve_job_def("train_job").name == "train_job"
    assert loaded.get_schedule_def("retrain_nightly_schedule").job_name == "train_job"
    assert loaded.get_sensor_def("new_outcomes_sensor").job_name == "train_job"
    specs = {s.key.to_user_string(): s for s in loaded.resolve_all_asset_specs()}
    assert all(specs[k].description and specs[k].kinds for k in ("ranker_model", "registered_model"))
