"""Property-based conformance: schemathesis generates valid and invalid requests for every operation from
/openapi.json and checks that nothing answers 5xx and every response matches the documented status codes,
content types, headers and schemas. Bounded (a handful of examples per operation) to stay near a minute."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


@pytest.fixture(scope="module")
def fuzz_app(api_settings, app_engine, admin_engine, settings):
    """Its own app with a rate limit high enough for the generated traffic (429 is tested elsewhere).

    The KPI endpoint reads the dbt marts (503 until they are built): build them unless an earlier test did."""
    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from warehouse.dbt_env import WARN_ERROR_ARGS, run_dbt

    with admin_engine.connect() as conn:
        built = conn.execute(sa.text("select to_regclass('marts.kpi_tenant_period')")).scalar()
    if built is None:
        proc = run_dbt(settings, "run", "--select", "+kpi_tenant_period", *WARN_ERROR_ARGS)
        assert proc.returncode == 0, proc.stdout[-4000:]

    from serving.main import create_app

    app = create_app(api_settings.model_copy(update={"rate_limit_burst": 10**6, "rate_limit_anonymous_burst": 10**6,
                                                  "rate_limit_expensive_burst": 10**6}), engine=app_engine,
                     load_model=False)
    with TestClient(app):  # runs the lifespan: engine, permissions
        yield app


@pytest.fixture(scope="module")
def fuzz_headers(make_token, admin_engine):
    from tests.factories import populate_every_tenant_table
    from warehouse.repositories.tenants import ensure_tenant

    with admin_engine.begin() as conn:
        tenant = ensure_tenant(conn, slug="schemathesis")
        populate_every_tenant_table(conn, tenant)
    return {"Authorization": f"Bearer {make_token(tenant, 'Owner', exp_in=3600)}"}


class _AppProxy:
    """The schema is loaded at collection (schemathesis' lazy fixture loader does not work with pytest 9), but
    the app under test needs the session's database: requests go through this proxy to `fuzz_app`."""

    target = None

    async def __call__(self, scope, receive, send):
        await self.target(scope, receive, send)


PROXY = _AppProxy()


def _spec() -> dict:
    from serving.main import create_app
    from warehouse.settings import Settings

    return create_app(Settings(jwks_url=None)).openapi()  # building the app does no I/O


@schemathesis.serializer("message/rfc822")
def _rfc822(ctx, value) -> dict:
    """Raw emails are bytes on the wire; generated values are bytes, strings or JSON-ish data."""
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": (value if isinstance(value, str) else repr(value)).encode("utf-8", "surrogatepass")}


schema = schemathesis.openapi.from_dict(_spec())
schema.app = PROXY


@pytest.fixture(scope="module", autouse=True)
def _route_to_fuzz_app(fuzz_app):
    PROXY.target = fuzz_app
    yield
    PROXY.target = None


def test_the_fuzzed_schema_includes_the_webhook_and_people_operations():
    paths = set(_spec()["paths"])
    assert {"/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/deliveries", "/v1/people/{email}",
            "/v1/people/{email}/export"} <= paths


@schema.parametrize()
@hypothesis_settings(max_examples=4, deadline=None, derandomize=True, database=None,
                     phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)
