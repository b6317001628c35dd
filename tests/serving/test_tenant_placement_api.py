"""The API routes each tenant to its own server (two real embedded servers, tests/two_servers.py): each tenant sees
its rows, a request for one tenant never touches the other server (shown by stopping that server), a tenant whose
server is down gets 503 problem+json while the others keep working, and a tenant being moved gets 503 with
Retry-After until the move finishes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.serving.support import ISSUER
from warehouse.db import tenant_tx
from warehouse.embedded import restart_embedded, stop_embedded
from warehouse.placement import PRIMARY, create_placed_tenant, engine_for_tenant, server_settings
from warehouse.tenant_move import move_tenant


@pytest.fixture(scope="module")
def placed_client(two_servers, jwks_url) -> Iterator[TestClient]:
    from serving.main import create_app

    settings = two_servers.model_copy(update={"jwks_url": jwks_url, "jwt_iss": ISSUER, "jwt_aud": "benchcrm"})
    with TestClient(create_app(settings, load_model=False), raise_server_exceptions=False) as client:
        yield client


def _tenant(settings, server: str, name: str) -> tuple[str, uuid.UUID]:
    slug = f"api-{uuid.uuid4().hex[:10]}"
    tenant_id = create_placed_tenant(settings, slug=slug, server=server)
    with tenant_tx(tenant_id, engine_for_tenant(settings, tenant_id)) as conn:
        conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name, title) values (:t, :n, 'Dev')"),
                     {"t": tenant_id, "n": name})
    return slug, tenant_id


def _names(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/v1/consultants", headers=headers)
    assert response.status_code == 200, response.text
    return [row["fullName"] for row in response.json()["data"]]


def _assert_unavailable(client: TestClient, headers: dict[str, str]) -> dict:
    response = client.get("/v1/consultants", headers=headers)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["Retry-After"]) > 0
    return response.json()


def test_each_tenant_is_served_from_its_own_server(two_servers, placed_client, auth) -> None:
    _, home = _tenant(two_servers, PRIMARY, "Ana Primary")
    _, abroad = _tenant(two_servers, "eu", "Eva Europe")
    assert _names(placed_client, auth(home)) == ["Ana Primary"]
    assert _names(placed_client, auth(abroad)) == ["Eva Europe"]
    listeners = placed_client.app.state.change_listeners
    assert len({listener.engine.url for listener in listeners}) == 2  # one per server: the cache hears both
    assert all(listener.connected.wait(timeout=30) for listener in listeners)
    assert placed_client.app.state.ranking_cache.enabled  # on once every server's listener is connected
    unknown = placed_client.get("/v1/consultants", headers=auth(uuid.uuid4()))
    assert unknown.status_code == 401
    assert unknown.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("down", ["eu", PRIMARY])
def test_a_stopped_server_fails_only_its_own_tenants(two_servers, placed_client, auth, down: str) -> None:
    """With one server stopped, the other's tenant keeps working: its requests never touch the stopped one (its
    placement and existence were looked up once and are cached; its rate-limit bucket lives on its own server)."""
    _, home = _tenant(two_servers, PRIMARY, "Ana Primary")
    _, abroad = _tenant(two_servers, "eu", "Eva Europe")
    for tenant in (home, abroad):  # warm the per-process caches while everything runs
        _names(placed_client, auth(tenant))
    stopped, alive = (abroad, home) if down == "eu" else (home, abroad)
    pg_data = server_settings(two_servers, down).pg_data_dir
    stop_embedded(pg_data)
    try:
        for _ in range(3):
            assert len(_names(placed_client, auth(alive))) == 1
            assert _assert_unavailable(placed_client, auth(stopped))["type"].endswith("database-unavailable")
    finally:
        restart_embedded(pg_data)
    assert len(_names(placed_client, auth(stopped))) == 1  # back by itself once its server is


def test_a_tenant_being_moved_is_refused_with_retry_after_then_served_from_its_new_server(
        two_servers, placed_client, auth) -> None:
    slug, tenant = _tenant(two_servers, PRIMARY, "Moe Mover")
    headers = auth(tenant)
    assert _names(placed_client, headers) == ["Moe Mover"]
    router = placed_client.app.state.router

    def stop_after_mark(step: str) -> None:
        if step == "marked":
            raise RuntimeError("the mover died")

    with pytest.raises(RuntimeError, match="the mover died"):
        move_tenant(two_servers, slug, "eu", wait_seconds=0, after_step=stop_after_mark)
    router.forget(tenant)  # what the move's wait of tenant_cache_seconds guarantees in every API process
    problem = _assert_unavailable(placed_client, headers)
    assert problem["type"].endswith("tenant-moving") and "'eu'" in problem["detail"]

    move_tenant(two_servers, slug, "eu", wait_seconds=0)
    router.forget(tenant)
    assert _names(placed_client, headers) == ["Moe Mover"]
    assert router.placement(tenant).server == "eu"
