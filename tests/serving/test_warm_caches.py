"""The API's warm start fills the busiest tenants' ranking caches before it accepts (serving/warmup.py,
docs/adr/0040): `/readyz` reports it, and the first request's candidates come from memory."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient


def _busiest(admin_engine, tenant, runs: int) -> None:
    """More recent rankings than any other test's tenant makes."""
    with admin_engine.begin() as conn:
        conn.execute(sa.text(
            "insert into crm.match_run (tenant_id, kind, direction, anchor_id, model_version) "
            "select :t, 'api', 'requirement_to_consultants', gen_random_uuid(), 'test' from generate_series(1, :n)"),
            {"t": tenant, "n": runs})


def test_the_busiest_tenant_is_ranked_and_cached_before_the_first_request(settings, app_engine, admin_engine,
                                                                          tenant, seed):
    from serving.auth.tokens import issue_token
    from serving.main import create_app

    consultants = [seed.consultant(status="bench", title=f"Java Developer {i}") for i in range(4)]
    requirements = [seed.requirement(status="open", title=f"Java Developer {i}") for i in range(3)]
    seed.consultant(status="placed")  # not matchable: not read
    _busiest(admin_engine, tenant, 20_000)
    warm = settings.model_copy(update={"jwks_url": None, "warm_cache_tenants": 1, "warm_cache_anchors": 2,
                                       "warm_cache_seconds": 120})
    app = create_app(warm, engine=app_engine, load_model=False)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["warmup"]["caches"] == {
            "tenants": 1, "complete": True, "seconds": app.state.warmup.caches.seconds}  # no tenant's row counts
        caches = app.state.warmup.caches
        assert caches.rankings == 4 and caches.records == len(consultants) + len(requirements)

        def not_read(missing):
            pytest.fail(f"not warmed: {missing}")

        cache = app.state.ranking_cache
        assert len(cache.records(str(tenant), "consultant", consultants, not_read)) == len(consultants)
        assert len(cache.records(str(tenant), "requirement", requirements, not_read)) == len(requirements)
        misses = cache.misses
        r = client.post(f"/v1/requirements/{requirements[0]}/recommendations", json={"explain": True},
                        headers={"Authorization": f"Bearer {issue_token(warm, tenant_id=tenant, role='Recruiter')}"})
        assert r.status_code == 200 and r.json()["items"]
        assert cache.misses == misses


def test_no_warm_start_of_the_caches_when_it_is_turned_off(settings, app_engine):
    from serving.main import create_app

    app = create_app(settings.model_copy(update={"jwks_url": None, "warm_cache_tenants": 0}), engine=app_engine,
                     load_model=False)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["warmup"]["caches"]["tenants"] == 0
    caches = app.state.warmup.caches
    assert (caches.rankings, caches.records) == (0, 0) and app.state.ranking_cache.size()["records"] == 0


def test_a_database_error_stops_the_warm_start_not_the_worker():
    """Best effort: a server that does not answer leaves the caches to fill on the first requests."""
    from ml.matching.tenant_cache import TenantCache
    from serving.warmup import warm_caches

    dead = sa.create_engine("postgresql+psycopg://nobody:x@127.0.0.1:9/none", pool_pre_ping=False)

    class OneServerDown:
        names = ("primary",)

        def admin_engine(self, _name: str) -> sa.Engine:
            return dead

    cache = TenantCache(max_staleness_s=60)
    cache.enabled = True
    report = warm_caches(OneServerDown(), cache, None, None, tenants=2, anchors=1, budget_s=5)
    assert (report.tenants, report.complete) == (0, False) and cache.size()["records"] == 0
