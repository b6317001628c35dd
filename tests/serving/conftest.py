"""API test fixtures: a real RSA key pair, a JWKS endpoint served by the test on 127.0.0.1, a token factory per
role/tenant, one app (lifespan run once) on the session's embedded Postgres, and small data factories."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from serving.auth.keys import SigningKey, generate_private_pem, signing_key_from_pem
from tests.serving.support import ISSUER
from warehouse.db import tenant_tx


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return signing_key_from_pem(generate_private_pem())


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    """A second, unpublished key: tokens signed with it are forgeries."""
    return signing_key_from_pem(generate_private_pem())


def jwk_of(key: SigningKey) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    public = serialization.load_pem_public_key(key.public_pem)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    return {**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="session")
def jwks_url(signing_key) -> Iterator[str]:
    body = json.dumps({"keys": [jwk_of(signing_key)]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/jwks.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if self.path == "/jwks.json" else b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()


@pytest.fixture(scope="session")
def api_settings(settings, jwks_url):
    return settings.model_copy(update={"jwks_url": jwks_url, "jwt_iss": ISSUER, "jwt_aud": "benchcrm"})


@pytest.fixture(scope="session")
def app(api_settings, app_engine):
    from serving.main import create_app

    return create_app(api_settings, engine=app_engine)


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def make_token(signing_key) -> Callable[..., str]:
    def _make(tenant_id: uuid.UUID, role: str = "Recruiter", *, key: SigningKey | None = None,
              aud: str = "benchcrm", iss: str = ISSUER, exp_in: int = 300, sub: str | None = None,
              extra: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> str:
        now = int(time.time())
        claims = {"sub": sub or str(uuid.uuid4()), "tenant_id": str(tenant_id), "role": role, "iss": iss,
                  "aud": aud, "iat": now, "exp": now + exp_in, **(extra or {})}
        for name in drop:
            claims.pop(name, None)
        k = key or signing_key
        return jwt.encode(claims, k.private_pem, algorithm="RS256", headers={"kid": k.kid})

    return _make


@pytest.fixture
def auth(make_token) -> Callable[..., dict[str, str]]:
    def _auth(tenant_id: uuid.UUID, role: str = "Recruiter", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(tenant_id, role, **kw)}"}

    return _auth


@pytest.fixture
def tenant(make_tenant) -> uuid.UUID:
    return make_tenant()


class Seed:
    """Rows written straight through the app role (RLS on) for one tenant."""

    def __init__(self, engine: sa.Engine, tenant_id: uuid.UUID) -> None:
        self.engine, self.tenant_id = engine, tenant_id

    def _insert(self, table: str, row: dict[str, Any]) -> uuid.UUID:
        row = {"id": uuid.uuid4(), **row}
        with tenant_tx(self.tenant_id, self.engine) as conn:
            cols = ", ".join(["tenant_id", *row])
            vals = ", ".join([":tenant_id", *(f":{k}" for k in row)])
            conn.execute(sa.text(f"insert into crm.{table} ({cols}) values ({vals})"),
                         {"tenant_id": self.tenant_id, **row})
        return row["id"]

    def consultant(self, **kw: Any) -> uuid.UUID:
        return self._insert("consultant", {"full_name": "Ana Dev", "title": "Java Developer", **kw})

    def requirement(self, **kw: Any) -> uuid.UUID:
        return self._insert("requirement", {"title": "Java Developer", **kw})

    def company(self, **kw: Any) -> uuid.UUID:
        return self._insert("company", {"name": "Prime Vendor Inc", "kind": "vendor", **kw})

    def submission(self, consultant_id: uuid.UUID, requirement_id: uuid.UUID, **kw: Any) -> uuid.UUID:
        return self._insert("submission", {"consultant_id": consultant_id, "requirement_id": requirement_id, **kw})

    def recommendation(self, requirement_id: uuid.UUID, consultant_ids: list[uuid.UUID]) -> tuple[uuid.UUID, list]:
        run = self._insert("match_run", {"kind": "api", "direction": "requirement_to_consultants",
                                         "anchor_id": requirement_id, "model_version": "test-model-v1"})
        items = [self._insert("recommendation", {
            "match_run_id": run, "requirement_id": requirement_id, "consultant_id": c, "rank": i + 1,
            "match_score": 0.9 - i * 0.1, "success_probability": 0.3, "model_version": "test-model-v1"})
            for i, c in enumerate(consultant_ids)]
        return run, items


@pytest.fixture
def seed(app_engine, tenant) -> Seed:
    return Seed(app_engine, tenant)


@pytest.fixture
def seed_for(app_engine) -> Callable[[uuid.UUID], Seed]:
    return lambda tenant_id: Seed(app_engine, tenant_id)
