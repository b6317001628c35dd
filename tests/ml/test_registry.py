"""MLflow registration on a temporary tracking backend: per-tenant registered models, aliases, the promotion gate,
the champion export, the prior fallback and the `load_champion` round trip."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from ml.matching.champion import TenantModels, load_champion, load_serving_model
from ml.registry import (
    CHALLENGER,
    CHAMPION,
    MODEL_NAME,
    PRIOR_MODEL_NAME,
    log_and_register,
    prior_target,
    promotion_gate,
    tenant_target,
)
from ml.training.pipeline import evaluate, train_models
from tests.ml.synthetic import synthetic_split
from warehouse.settings import Settings


@pytest.fixture(scope="module")
def small_model():
    split = synthetic_split(n_consultants=300, n_requirements=300, per_requirement=10, seed=3)
    models = train_models(split, version="test")
    return split, models, evaluate(models, split.test)


def test_promotion_gate_requires_beating_champion_on_both_metrics():
    champ = {"mrr_at_10": 0.70, "brier": 0.15}
    assert promotion_gate({"mrr_at_10": 0.72, "brier": 0.15}, champ).promote
    worse = promotion_gate({"mrr_at_10": 0.72, "brier": 0.16}, champ)
    assert not worse.promote and "Brier 0.1600 > champion 0.1500" in worse.reason
    assert not promotion_gate(dict(champ), champ).promote
    assert promotion_gate(champ, None).reason == "no champion registered yet"


def test_register_sets_aliases_applies_gate_and_exports_champion(tmp_path, small_model):
    from mlflow import MlflowClient

    split, models, ev = small_model
    settings = Settings(data_dir=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    example = split.test.select(models.ranker.features)[:5].to_pandas()
    tenant = uuid.uuid4()
    target = tenant_target(settings, tenant, "acme")
    name = f"{MODEL_NAME}-acme"
    first = log_and_register(settings, target=target, bundle=models.ranker, params={"seed": 7}, metrics=ev.metrics,
                             champion_metrics=None, artifacts={}, example=example)
    assert first.decision.promote and set(first.aliases) == {CHAMPION, CHALLENGER}
    champion = load_champion(settings, tenant)
    assert champion is not None and champion.version == f"{name}/{first.version}"
    assert load_champion(settings, uuid.uuid4()) is None  # another tenant has no champion from acme's outcomes
    expected = models.ranker.predict(split.test)
    got = champion.predict(split.test)
    np.testing.assert_allclose(got.success_probability, expected.success_probability)
    np.testing.assert_allclose(got.match_score, expected.match_score)

    # A challenger that is worse than the champion on the held-out period stays challenger, with the reason.
    better_champion = {**ev.metrics["lightgbm"], "mrr_at_10": ev.metrics["lightgbm"]["mrr_at_10"] + 0.05}
    second = log_and_register(settings, target=target, bundle=models.ranker, params={"seed": 7}, metrics=ev.metrics,
                              champion_metrics=better_champion, artifacts={}, example=example)
    assert not second.decision.promote and second.aliases == (CHALLENGER,)
    client = MlflowClient()
    assert str(client.get_model_version_by_alias(name, CHAMPION).version) == first.version
    assert str(client.get_model_version_by_alias(name, CHALLENGER).version) == second.version
    assert "MRR@10" in client.get_run(second.run_id).data.tags["promotion_reason"]
    assert load_champion(settings, tenant).version == f"{name}/{first.version}"

    # The registered pyfunc (ranker + calibrator together) predicts what the bundle predicts.
    import mlflow

    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION}")
    out = pyfunc.predict(example)
    np.testing.assert_allclose(out["success_probability"].to_numpy(), expected.success_probability[:5])
    assert "contribution_skills" in out.columns


def test_load_champion_without_export_is_none(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert load_champion(settings, uuid.uuid4()) is None
    assert load_serving_model(settings, uuid.uuid4()) is None  # no prior either: the seed formula serves


def test_tenant_without_champion_is_served_the_prior_and_a_champion_only_its_own_tenant(tmp_path, small_model):
    split, models, ev = small_model
    settings = Settings(data_dir=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    example = split.test.select(models.ranker.features)[:5].to_pandas()
    prior = log_and_register(settings, target=prior_target(settings), bundle=models.ranker, params={}, metrics=ev.metrics,
                             champion_metrics=None, artifacts={}, example=example)
    acme, other = uuid.uuid4(), uuid.uuid4()
    cache = TenantModels(settings, recheck_s=0.0)
    assert cache.get(acme).version == f"{PRIOR_MODEL_NAME}/{prior.version}"
    own = log_and_register(settings, target=tenant_target(settings, acme, "acme"), bundle=models.ranker, params={},
                           metrics=ev.metrics, champion_metrics=None, artifacts={}, example=example)
    assert cache.get(acme).version == f"{MODEL_NAME}-acme/{own.version}"  # the new export is noticed
    assert cache.get(other).version == f"{PRIOR_MODEL_NAME}/{prior.version}"  # acme's model never ranks `other`
