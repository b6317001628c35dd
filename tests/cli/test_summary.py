"""The demo's closing lines name the model that really serves the tenant, with its measured metrics."""

from __future__ import annotations

import dataclasses
import uuid

from cli.summary import first_request, serving_model_line
from ml.matching.champion import champion_dir, prior_dir
from ml.training.prior import fit_prior
from tests.ml.synthetic import synthetic_split
from warehouse.settings import Settings


def test_names_champion_else_prior_else_seed_formula(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    tenant = uuid.uuid4()
    assert "seed formula" in serving_model_line(settings, tenant)

    fitted = fit_prior(synthetic_split(n_consultants=120, n_requirements=160, per_requirement=6, seed=3))
    prior = dataclasses.replace(fitted, metrics={"auc": 0.6512, "mrr_at_10": 0.64, "top5_hit": 0.93, "brier": 0.2})
    prior.save(prior_dir(settings))
    line = serving_model_line(settings, tenant)
    assert prior.version in line and "the prior" in line
    assert "AUC 0.651, MRR@10 0.640, Top-5 0.930, Brier 0.200" in line

    champion = dataclasses.replace(prior, version="benchcrm-ranker-acme/4", metrics={"auc": 0.71, "brier": 0.18})
    champion.save(champion_dir(settings, tenant))
    line = serving_model_line(settings, tenant)
    assert "benchcrm-ranker-acme/4 (its own champion)" in line
    assert "AUC 0.710" in line and "Brier 0.180" in line and "MRR@10" not in line
    # another tenant is still served the prior
    assert "the prior" in serving_model_line(settings, uuid.uuid4())


def test_first_request_targets_the_configured_api(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, api_host="127.0.0.9", api_port=8123)
    line = first_request(settings, "globex")
    assert "benchcrm token --tenant globex" in line
    assert "http://127.0.0.9:8123/v1/requirements?limit=3" in line
