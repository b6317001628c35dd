"""Each tenant is ranked by its own champion through the API, a tenant without one by the prior, and without
either by the seed formula: one tenant's model (and so its outcomes) never ranks another tenant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ml.matching.champion import champion_dir, prior_dir
from ml.scoring.formula import SEED_MODEL_VERSION
from ml.training.prior import fit_prior
from tests.ml.synthetic import synthetic_split


@pytest.fixture(scope="module")
def bundle():
    return fit_prior(synthetic_split(n_consultants=200, n_requirements=300, per_requirement=8, seed=4))


@pytest.fixture
def models_client(api_settings, app_engine, tmp_path) -> Iterator[tuple[TestClient, object]]:
    from serving.main import create_app

    settings = api_settings.model_copy(update={"data_dir": tmp_path})
    with TestClient(create_app(settings, engine=app_engine), raise_server_exceptions=False) as c:
        yield c, settings


def _recommend(client: TestClient, headers: dict[str, str], seed) -> dict:
    req = seed.requirement(title="Senior Java Developer", description="Java, Spring Boot, AWS", state="TX",
                           city="Dallas")
    for i in range(3):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                        years_experience=6 + i, state="TX", city="Dallas")
    r = client.post(f"/v1/requirements/{req}/recommendations?topK=3", json={"explain": True}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_each_tenant_gets_its_champion_else_the_prior_else_the_seed_formula(models_client, bundle, auth, make_tenant,
                                                                             seed_for):
    client, settings = models_client
    own, other = make_tenant(), make_tenant()
    assert _recommend(client, auth(own), seed_for(own))["modelVersion"] == SEED_MODEL_VERSION  # nothing exported

    bundle.version = "benchcrm-prior/1"
    bundle.save(prior_dir(settings))
    bundle.version = "benchcrm-ranker-own/1"
    bundle.save(champion_dir(settings, own))
    # The per-tenant cache rechecks the exports every 30 s; a fresh app sees them at once.
    from serving.main import create_app

    with TestClient(create_app(settings, engine=client.app.state.engine), raise_server_exceptions=False) as fresh:
        mine = _recommend(fresh, auth(own), seed_for(own))
        theirs = _recommend(fresh, auth(other), seed_for(other))
    assert mine["modelVersion"] == "benchcrm-ranker-own/1"
    assert theirs["modelVersion"] == "benchcrm-prior/1"
    for item in mine["items"] + theirs["items"]:
        assert 0 <= item["matchScore"] <= 1 and 0 <= item["successProbability"] <= 1 and item["reasons"]
