"""The database stops while the API serves: requests answer 503 problem+json with Retry-After, /readyz says not
ready, and when the server returns everything works again by itself; POSTs retried with their Idempotency-Key make
each row exactly once. The server stopped here is the test's own (tests/private_db.py), never the session's."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.private_db import private_embedded
from tests.serving.support import ISSUER
from warehouse.embedded import restart_embedded, stop_embedded


@pytest.fixture(scope="module")
def outage_api(jwks_url):
    from serving.main import create_app
    from warehouse.db import admin_engine, app_engine
    from warehouse.repositories.tenants import ensure_tenant

    with private_embedded("bcrm-out-") as settings:
        settings = settings.model_copy(update={"jwks_url": jwks_url, "jwt_iss": ISSUER, "jwt_aud": "benchcrm"})
        with admin_engine(settings).begin() as conn:
            tenant = ensure_tenant(conn, slug=f"outage-{uuid.uuid4().hex[:8]}")
        app = create_app(settings, engine=app_engine(settings), load_model=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield settings, client, tenant


def _post(client, headers, key: str, name: str):
    return client.post("/v1/consultants", json={"fullName": name}, headers={**headers, "Idempotency-Key": key})


def test_an_outage_answers_503_and_recovers_without_lost_or_doubled_writes(outage_api, auth):
    settings, client, tenant = outage_api
    h = auth(tenant, "Owner")
    before = _post(client, h, "k-before", "Before Outage")
    assert before.status_code == 201

    assert stop_embedded(settings.pg_data_dir)
    try:
        during = [client.get("/v1/consultants", headers=h), _post(client, h, "k-during", "During Outage"),
                  _post(client, h, "k-before", "Before Outage")]
        ready = client.get("/readyz")
    finally:
        restart_embedded(settings.pg_data_dir)
    for r in during:
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "1"
        body = r.json()
        assert (body["type"].endswith("/database-unavailable"), body["detail"]) == (
            True, "the database is unreachable; retry later")
        assert "socket" not in r.text and "5432" not in r.text
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "database": "unreachable"})

    # back: no restart of the API, no manual step; the retries replay or create exactly once
    assert client.get("/readyz").status_code == 200
    assert client.get("/v1/consultants", headers=h).status_code == 200
    retried = _post(client, h, "k-during", "During Outage")
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    again = _post(client, h, "k-during", "During Outage")
    replay_before = _post(client, h, "k-before", "Before Outage")
    assert again.headers.get("idempotent-replayed") == replay_before.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == retried.json()["id"] and replay_before.json()["id"] == before.json()["id"]

    from warehouse.db import admin_engine

    with admin_engine(settings).connect() as conn:
        names = conn.execute(sa.text("select full_name from crm.consultant where tenant_id = :t order by 1"),
                             {"t": tenant}).scalars().all()
    assert names == ["Before Outage", "During Outage"]


def test_connections_killed_under_the_api_are_replaced_on_the_next_request(outage_api, auth):
    """A server restart (or a failover) leaves dead connections in the pools (the requests' and the rate
    limiter's); checkout sees the closed sockets and swaps them, no 5xx."""
    settings, client, tenant = outage_api
    h = auth(tenant, "Owner")
    assert client.get("/v1/consultants", headers=h).status_code == 200
    from warehouse.db import admin_engine

    with admin_engine(settings).connect() as conn:
        killed = conn.execute(sa.text(
            "select count(pg_terminate_backend(pid, 5000)) from pg_stat_activity where usename = :r"),
            {"r": settings.app_db_role}).scalar()
    assert killed >= 1
    assert [client.get("/v1/consultants", headers=h).status_code for _ in range(3)] == [200, 200, 200]
