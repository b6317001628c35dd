"""Cross-cutting behaviour: problem+json everywhere, bad input, size and rate limits, health, metrics, request ids,
JSON logs with PII masked, OpenAPI 3.1 with examples, and no heavy platform imports on the request path."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from fastapi.testclient import TestClient


def _is_problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    return r.json()


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "needle"), [
    ("POST", "/v1/consultants", {"content": b'{"fullName": "Ana"', "headers": {"content-type": "application/json"}},
     422, "JSON"),
    ("POST", "/v1/consultants", {"json": {"fullName": 42}}, 422, "fullName"),
    ("POST", "/v1/consultants", {"json": {"fullName": "A", "shoeSize": 44}}, 422, "shoeSize"),
    ("POST", "/v1/consultants", {"json": {"fullName": "A", "hourlyRate": -5}}, 422, "hourlyRate"),
    ("POST", "/v1/consultants", {"json": {"fullName": "A", "yearsExperience": 1e9}}, 422, "yearsExperience"),
    ("POST", "/v1/consultants", {"content": b'{"fullName": "A", "lat": NaN}',
                                 "headers": {"content-type": "application/json"}}, 422, "lat"),
    ("POST", "/v1/consultants", {"json": []}, 422, "body"),
    ("GET", "/v1/consultants/not-a-uuid", {}, 422, "path.id"),
    ("GET", "/v1/consultants", {"params": {"limit": 0}}, 422, "limit"),
    ("GET", "/v1/consultants", {"params": {"limit": 10**12}}, 422, "limit"),
    ("GET", "/v1/nothing-here", {}, 404, None),
    ("PUT", "/v1/consultants", {}, 405, None),
])
def test_bad_input_answers_a_precise_problem(client, auth, tenant, method, path, kwargs, status, needle):
    headers = {**auth(tenant), **kwargs.pop("headers", {})}
    body = _is_problem(client.request(method, path, headers=headers, **kwargs), status)
    if needle:
        assert needle in json.dumps(body), body
    if status == 422:
        assert body["errors"] and body["requestId"]


def test_oversized_body_is_413_before_reading_it(settings, app_engine, make_token, tenant):
    from serving.main import create_app

    small = settings.model_copy(update={"max_request_bytes": 2048, "jwks_url": None})
    with TestClient(create_app(small, engine=app_engine, load_model=False)) as c:
        big = {"fullName": "A", "summary": "x" * 5000}
        r = c.post("/v1/consultants", json=big, headers={"Authorization": "Bearer x"})
        assert _is_problem(r, 413)["title"] == "Content Too Large"

        def chunks():  # no Content-Length: the limit applies while streaming
            for _ in range(10):
                yield b"x" * 1000

        r = c.post("/v1/integrations/inbox/import", content=chunks(),
                   headers={"Authorization": "Bearer x", "content-type": "message/rfc822"})
        assert r.status_code in (401, 413)  # auth runs first when the size is unknown up front


def test_streamed_oversized_body_is_413_for_an_authorized_caller(settings, app_engine, tenant):
    from serving.auth.tokens import issue_token
    from serving.main import create_app

    small = settings.model_copy(update={"max_request_bytes": 2048, "jwks_url": None})
    token = issue_token(small, tenant_id=tenant, role="Recruiter")
    with TestClient(create_app(small, engine=app_engine, load_model=False)) as c:
        r = c.post("/v1/integrations/inbox/import", content=(b"x" * 1000 for _ in range(10)),
                   headers={"Authorization": f"Bearer {token}", "content-type": "message/rfc822"})
        _is_problem(r, 413)


def test_health_ready_and_metrics(client, auth, tenant):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert (ready["status"], ready["database"]) == ("ready", "ok")
    assert ready["warmup"]["embedding_model"] is True and ready["warmup"]["skills"] > 1000
    assert client.get("/metrics").status_code == 403  # not loopback, no metrics token: tests/serving/test_http_hardening.py


def test_readyz_reports_an_unreachable_database(settings):
    import sqlalchemy as sa

    from serving.main import create_app

    dead = sa.create_engine("postgresql+psycopg://nobody:x@127.0.0.1:9/none", pool_pre_ping=False)
    app = create_app(settings, engine=dead, load_model=False)
    app.router.lifespan_context = _no_lifespan(dead)
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def _no_lifespan(engine):
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        app.state.engine = engine
        app.state.ready = True  # warmed up; then the database goes away
        yield

    return lifespan


def test_request_id_is_echoed_or_generated(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-client-request-id"] == "abc-123" and len(r.headers["x-request-id"]) == 32
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert len(generated) == 32


def test_access_log_is_json_with_request_id_and_pii_masked(client, auth, tenant, caplog):
    from serving.observability import JsonFormatter, mask_pii

    with caplog.at_level(logging.INFO, logger="serving.access"):
        client.get("/v1/consultants", params={"q": "ana@example.com"}, headers={**auth(tenant), "X-Request-ID": "r1"})
    record = next(r for r in caplog.records if r.name == "serving.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["client_request_id"] == "r1" and len(line["request_id"]) == 32 and line["status"] == 200 and line["tenant_id"] == str(tenant)
    assert "duration_ms" in line and "ana@example.com" not in json.dumps(line)
    assert mask_pii("mail ana.souza@example.com or call +1 (214) 555-0199") == "mail a***@example.com or call ***99"


def test_openapi_is_3_1_with_examples_and_problem_errors(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert client.get("/docs").status_code == 200
    schemas = spec["components"]["schemas"]
    assert "Problem" in schemas
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, resp in op["responses"].items():
                if status.startswith("4"):
                    assert "application/problem+json" in resp["content"], (method, path, status)
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                for media in content.values():
                    ref = media.get("schema", {}).get("$ref")
                    has_example = "example" in media or "examples" in media or (
                        ref and "examples" in schemas[ref.split("/")[-1]])
                    assert has_example, (method, path)
            ok = op["responses"].get("200") or op["responses"].get("201")
            if ok and "content" in ok:
                media = next(iter(ok["content"].values()))
                ref = media.get("schema", {}).get("$ref")
                assert "example" in media or (ref and "examples" in schemas[ref.split("/")[-1]]), (method, path)


def test_serving_does_not_import_platform_heavyweights(settings):
    """Importing the app and serving requests leaves dagster, mlflow, evidently and great_expectations unloaded."""
    code = textwrap.dedent("""
        import sys, json
        from fastapi.testclient import TestClient
        from serving.main import create_app
        from serving.auth.tokens import issue_token
        from warehouse.settings import get_settings
        from warehouse.repositories.tenants import ensure_tenant
        from warehouse.db import admin_engine
        s = get_settings().model_copy(update={"jwks_url": None})
        with admin_engine(s).begin() as conn:
            t = ensure_tenant(conn, slug="imports-check")
        h = {"Authorization": "Bearer " + issue_token(s, tenant_id=t, role="Owner")}
        with TestClient(create_app(s)) as c:
            assert c.get("/healthz").status_code == 200
            assert c.get("/v1/consultants", headers=h).status_code == 200
            assert c.post("/v1/tags", json={"name": "x"}, headers=h).status_code in (201, 409)
        heavy = ("dagster", "mlflow", "evidently", "great_expectations")
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
    """)
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(settings.data_dir)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         cwd=os.getcwd())
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_database_errors_map_to_precise_problems():
    """Input-caused and transient database failures never surface as a bare 500."""
    import psycopg.errors as pe
    from sqlalchemy.exc import DBAPIError

    from serving.errors import _db_problem

    def wrap(exc):
        return DBAPIError("stmt", {}, exc)

    assert _db_problem(wrap(pe.UniqueViolation("dup")))[0] == 409
    assert _db_problem(wrap(pe.ForeignKeyViolation("fk")))[0] == 422
    assert _db_problem(wrap(pe.CheckViolation("chk")))[0] == 422
    assert _db_problem(wrap(pe.NumericValueOutOfRange("big")))[0] == 422
    assert _db_problem(wrap(pe.QueryCanceled("timeout")))[:2] == (503, "query-timeout")
    assert _db_problem(wrap(pe.DeadlockDetected("dl")))[0] == 409
    assert _db_problem(wrap(pe.OperationalError("down")))[0] == 503
    assert _db_problem(wrap(pe.InternalError("bug"))) is None  # a genuine fault stays a 500
