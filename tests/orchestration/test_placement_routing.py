"""Dagster's PostgresResource reaches the server its tenant is placed on (warehouse/placement.py), on two real
embedded servers (tests/two_servers.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa

from warehouse.placement import PRIMARY, create_placed_tenant, get_router
from warehouse.settings import get_settings


@pytest.fixture
def placed_env(two_servers, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("BENCHCRM_DATA_DIR", str(two_servers.data_dir))
    monkeypatch.setenv("BENCHCRM_DATABASE_SERVERS", "eu=embedded")
    monkeypatch.delenv("BENCHCRM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # the session's settings again (monkeypatch restores the environment after)


def test_the_postgres_resource_routes_by_its_tenant(two_servers, placed_env) -> None:
    from orchestration.defs.resources import PostgresResource

    eu_slug, home_slug = (f"dg-{uuid.uuid4().hex[:8]}" for _ in range(2))
    eu_tenant = create_placed_tenant(two_servers, slug=eu_slug, server="eu")
    create_placed_tenant(two_servers, slug=home_slug)
    router = get_router(get_settings())

    postgres = PostgresResource()
    assert postgres.tenant_id(eu_slug) == eu_tenant
    assert postgres.app_engine(eu_slug) is router.app_engine("eu")
    assert postgres.app_engine(home_slug) is router.app_engine(PRIMARY)
    assert postgres.for_tenant(eu_slug).admin_engine() is router.admin_engine("eu")
    with postgres.tenant_tx(eu_slug) as conn:
        conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, 'Dag Ster')"),
                     {"t": eu_tenant})
    with router.admin_engine("eu").connect() as conn:
        assert conn.execute(sa.text("select count(*) from crm.consultant where tenant_id = :t"),
                            {"t": eu_tenant}).scalar() == 1
    with pytest.raises(dg.Failure, match="does not exist"):
        postgres.tenant_id("no-such-tenant")


def test_the_tenant_partitions_cover_every_server(two_servers, placed_env) -> None:
    """A tenant placed on another server gets its partition like one on the primary."""
    from orchestration.defs.resources import PostgresResource
    from orchestration.defs.tenants.sensors import sync_tenant_partitions
    from orchestration.lib.partitions import TENANTS_PARTITION

    eu_slug, home_slug = (f"dgp-{uuid.uuid4().hex[:8]}" for _ in range(2))
    create_placed_tenant(two_servers, slug=eu_slug, server="eu")
    create_placed_tenant(two_servers, slug=home_slug)
    with dg.DagsterInstance.ephemeral() as instance:
        sync_tenant_partitions(instance, PostgresResource())
        assert {eu_slug, home_slug} <= set(instance.get_dynamic_partitions(TENANTS_PARTITION))
