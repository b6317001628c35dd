"""Issue 13's HTTP findings: security headers, /metrics behind a token, database errors without internal names,
generic 401 details, 413 for a streamed JSON body, the caller's X-Request-ID kept apart from ours, and a log mask
that leaves URLs, UUIDs and status codes readable."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.serving.support import audit_rows


@pytest.fixture(scope="module")
def bare_app(settings, app_engine):
    from serving.main import create_app

    return create_app(settings.model_copy(update={"jwks_url": None}), engine=app_engine, load_model=False)


def _token(settings, tenant, role="Owner"):
    from serving.auth.tokens import issue_token

    return issue_token(settings.model_copy(update={"jwks_url": None}), tenant_id=tenant, role=role)


def test_every_response_carries_the_security_headers(client, auth, tenant):
    for r in (client.get("/v1/tags", headers=auth(tenant)), client.get("/v1/tags"), client.get("/healthz"),
              client.get("/docs"), client.get("/redoc"), client.get("/openapi.json")):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in r.headers  # plain http: HSTS would be ignored anyway


def test_json_answers_are_not_cached_and_the_docs_still_render(client, auth, tenant):
    assert client.get("/v1/tags", headers=auth(tenant)).headers["cache-control"] == "no-store"
    problem = client.get("/v1/tags")
    assert problem.status_code == 401 and problem.headers["cache-control"] == "no-store"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    # the CSP does not restrict scripts: Swagger UI's and ReDoc's inline bootstrap keep working
    assert "script-src" not in docs.headers["content-security-policy"]
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "redoc" in redoc.text.lower()


def test_hsts_is_sent_over_https(bare_app):
    with TestClient(bare_app, base_url="https://testserver") as c:
        assert c.get("/healthz").headers["strict-transport-security"].startswith("max-age=31536000")


def test_metrics_need_the_token_or_a_loopback_client(settings, app_engine):
    from serving.main import create_app

    open_settings = settings.model_copy(update={"jwks_url": None})
    app = create_app(open_settings, engine=app_engine, load_model=False)
    with TestClient(app) as remote:  # the test client's address is "testclient", not loopback
        assert remote.get("/metrics").status_code == 403
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        local.get("/healthz")
        assert [local.get("/v1/tags").status_code for _ in range(3)] == [401] * 3
        text = local.get("/metrics").text
        assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in text
        assert "http_request_duration_seconds_bucket" in text
        # each request without a token was charged to the client address's bucket (docs/adr/0039)
        charged = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                      if line.startswith("rate_limit_takes_total{"))
        assert charged == 3 and 'rate_limit_takes_total{source="database"}' in text, text
        assert "rate_limit_tokens_lost_total" in text

    tokened = create_app(open_settings.model_copy(update={"metrics_token": SecretStr("scrape-me")}), engine=app_engine,
                         load_model=False)
    with TestClient(tokened, client=("127.0.0.1", 40000)) as c:
        r = c.get("/metrics")
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200


def _database_error(admin_engine, sql: str, params: dict | None = None) -> Exception:
    with admin_engine.connect() as conn:
        try:
            conn.execute(sa.text(sql), params or {})
        except sa.exc.DBAPIError as exc:
            return exc
    raise AssertionError(f"{sql} did not fail")


def test_database_errors_reach_clients_without_internal_names(admin_engine, make_tenant):
    from serving.errors import _db_problem

    tenant = make_tenant()
    cases = {
        "fk": _database_error(admin_engine, "insert into crm.submission (tenant_id, consultant_id, requirement_id) "
                                            "values (:t, gen_random_uuid(), gen_random_uuid())", {"t": tenant}),
        "ts": _database_error(admin_engine, "select '294277-01-01'::timestamptz"),
        "date": _database_error(admin_engine, "select make_date(9999999, 1, 1)"),
        "nul": _database_error(admin_engine, "select cast(:v as text)", {"v": "a\x00b"}),
        "unique": _database_error(admin_engine, "insert into crm.tenant (id, slug, name) select id, slug, name "
                                                "from crm.tenant where id = :t", {"t": tenant}),
    }
    for name, exc in cases.items():
        mapped = _db_problem(exc)
        assert mapped is not None and 400 <= mapped[0] < 500, (name, mapped)
        detail = mapped[3]
        for leak in ("fkey", "submission_", "_pkey", "_key", "too large", "10K", "0x00", "crm.", str(tenant)):
            assert leak not in detail, (name, detail)


def test_nul_bytes_through_the_api_are_a_generic_422(client, auth, tenant):
    r = client.post("/v1/tags", json={"name": "a\u0000b"}, headers=auth(tenant, "Admin"))
    assert r.status_code == 422, r.text
    assert "0x00" not in r.text and "PostgreSQL" not in r.text


def test_an_unknown_signing_key_gets_a_generic_401(client, make_token, other_key, tenant):
    import jwt

    body = client.get("/v1/tags", headers={"Authorization": f"Bearer {make_token(tenant, key=other_key)}"}).json()
    assert body["detail"] == "no signing key matches the token"
    bogus = jwt.encode({"a": 1}, "k" * 32, algorithm="HS512")
    detail = client.get("/v1/tags", headers={"Authorization": f"Bearer {bogus}"}).json()["detail"]
    assert "HS512" not in detail


def test_a_streamed_json_body_over_the_limit_is_413_not_400(settings, app_engine, make_tenant):
    from serving.main import create_app

    small = settings.model_copy(update={"max_request_bytes": 2048, "jwks_url": None})
    token = _token(small, make_tenant(), "Recruiter")

    def chunks():  # no Content-Length: chunked transfer encoding
        yield b'{"fullName": "A", "summary": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    with TestClient(create_app(small, engine=app_engine, load_model=False)) as c:
        r = c.post("/v1/consultants", content=chunks(),
                   headers={"Authorization": f"Bearer {token}", "content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("sent", "stored"), [
    ("client-7f3a", "client-7f3a"),
    ("x" * 300, "x" * 64),
    ("bad id\nInjected: yes", None),
    ("", None),
])
def test_the_callers_request_id_is_stored_apart_from_ours(client, auth, admin_engine, make_tenant, sent, stored):
    tenant = make_tenant()
    r = client.post("/v1/tags", json={"name": f"t-{uuid.uuid4().hex[:6]}"},
                    headers={**auth(tenant, "Admin"), "X-Request-ID": sent})
    assert r.status_code == 201, r.text
    ours = r.headers["x-request-id"]
    assert len(ours) == 32 and ours != sent
    assert r.headers.get("x-client-request-id") == stored
    (row,) = audit_rows(admin_engine, tenant, entity="tag")
    assert row["request_id"] == ours and row["client_request_id"] == stored


@pytest.mark.parametrize("text", [
    "GET /v1/consultants/123e4567-e89b-12d3-a456-426614174000 200",
    "GET /v1/requirements?cursor=5551234567&limit=50 200",
    "statuses 200 201 204 404 409 412 413 422",
    "https://hooks.example.com/benchcrm/2026/11/29/1234567890",
    "at 2026-11-29 00:04:35.123456 took 1234567.89 ms",
    "webhook 7d444840-9dc0-11d1-b245-5ffdce74fad2 delivered",
    "id 12345678-1234-5678-1234-567812345678 ok",
    "request 9f1c2b7a04d14e0f8a3b5c6d7e8f9a0b",
])
def test_the_log_mask_leaves_urls_uuids_and_status_codes_alone(text):
    from serving.observability import mask_pii

    assert mask_pii(text) == text


@pytest.mark.parametrize(("text", "masked"), [
    ("call +1 (214) 555-0199 today", "call ***99 today"),
    ("cell 214-555-0142", "cell ***42"),
    ("cell (214) 555 0142.", "cell ***42."),
    ("uk +44 20 7946 0958", "uk ***58"),
    ("mail ana.souza@example.com", "mail a***@example.com"),
    ("GET /v1/people/ana.souza@example.com/export 200", "GET /v1/people/a***@example.com/export 200"),
])
def test_the_log_mask_still_hides_phones_and_emails(text, masked):
    from serving.observability import mask_pii

    assert mask_pii(text) == masked
