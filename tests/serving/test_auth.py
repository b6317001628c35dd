"""Authentication: RS256 tokens checked against a JWKS endpoint served by the test (signature, exp, iss, aud)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.serving.support import ISSUER


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"].startswith("https://benchcrm.dev/problems/")
    return body


def test_valid_jwks_token_is_accepted(client, auth, tenant):
    assert client.get("/v1/consultants", headers=auth(tenant, "ReadOnly")).status_code == 200


def test_missing_token_answers_401_with_bearer_challenge(client):
    r = client.get("/v1/consultants")
    assert _problem(r, 401)["detail"] == "missing bearer token"
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c"])
def test_malformed_authorization_answers_401(client, header):
    _problem(client.get("/v1/consultants", headers={"Authorization": header}), 401)


def test_expired_token_answers_401_token_expired(client, make_token, tenant):
    token = make_token(tenant, exp_in=-3600)
    body = _problem(client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"}), 401)
    assert body["detail"] == "token expired"


def test_wrong_audience_answers_401_without_naming_the_expected_one(client, make_token, tenant):
    token = make_token(tenant, aud="some-other-api")
    r = client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"})
    detail = _problem(r, 401)["detail"]
    assert "audience" in detail and "benchcrm" not in detail and "benchcrm" not in r.headers["www-authenticate"]


def test_wrong_issuer_answers_401_without_naming_the_expected_one(client, make_token, tenant):
    token = make_token(tenant, iss="https://evil.example")
    r = client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"})
    detail = _problem(r, 401)["detail"]
    assert "issuer" in detail and ISSUER not in detail and ISSUER not in r.headers["www-authenticate"]


@pytest.mark.parametrize("tenant_id", [uuid.UUID(int=0), uuid.uuid4()], ids=["nil", "random"])
def test_a_signed_token_for_a_tenant_that_does_not_exist_answers_401(client, make_token, tenant_id):
    for role in ("Owner", "ReadOnly"):
        token = make_token(tenant_id, role)
        for path in ("/v1/consultants", "/v1/webhooks", "/v1/audit/logs"):
            r = client.get(path, headers={"Authorization": f"Bearer {token}"})
            body = _problem(r, 401)
            assert body["detail"] == "the token is not valid for this service"  # generic: no tenant named
            assert str(tenant_id) not in r.text
        r = client.post("/v1/tags", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"})
        _problem(r, 401)


def test_tenant_lookup_is_cached_and_a_new_tenant_is_usable_within_seconds(settings, app_engine, make_tenant):
    import sqlalchemy as sa

    from serving.auth.tenants import TenantDirectory
    from warehouse.placement import TenantRouter

    lookups: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "from crm.tenant" in statement:
            lookups.append(statement)

    directory = TenantDirectory(ttl=60, negative_ttl=0)
    router = TenantRouter(settings, primary_app_engine=app_engine)  # one server: placement asks nothing
    known, unknown = make_tenant(), uuid.uuid4()
    sa.event.listen(app_engine, "before_cursor_execute", count)
    try:
        assert all(directory.exists(known, router) for _ in range(50))
        assert len(lookups) == 1  # one query for fifty requests
        assert not directory.exists(unknown, router)
        assert not directory.exists(unknown, router)
        assert len(lookups) == 3  # unknown ones are not remembered (negative_ttl=0) ...
    finally:
        sa.event.remove(app_engine, "before_cursor_execute", count)
    bounded = TenantDirectory(ttl=60, max_entries=3)
    for _ in range(10):
        bounded.exists(uuid.uuid4(), router)
    assert len(bounded._entries) == 3  # ... and random tenants cannot grow the cache without bound


def test_token_signed_by_an_unpublished_key_answers_401(client, make_token, other_key, tenant):
    token = make_token(tenant, key=other_key)
    assert "no signing key" in _problem(
        client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"}), 401)["detail"]


def test_forged_token_reusing_the_published_kid_fails_signature(client, signing_key, other_key, tenant):
    now = int(time.time())
    claims = {"sub": "x", "tenant_id": str(tenant), "role": "Owner", "iss": ISSUER, "aud": "benchcrm",
              "exp": now + 60}
    forged = jwt.encode(claims, other_key.private_pem, algorithm="RS256", headers={"kid": signing_key.kid})
    assert "signature" in _problem(
        client.get("/v1/consultants", headers={"Authorization": f"Bearer {forged}"}), 401)["detail"]


def test_hs256_token_is_refused(client, tenant):
    token = jwt.encode({"sub": "x", "tenant_id": str(tenant), "role": "Owner", "iss": ISSUER, "aud": "benchcrm",
                        "exp": int(time.time()) + 60}, "secret-secret-secret-secret-32bytes!", algorithm="HS256")
    assert "RS256" in _problem(client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"}),
                               401)["detail"]


@pytest.mark.parametrize(("drop", "extra", "needle"), [
    (("tenant_id",), {}, "tenant_id"), ((), {"tenant_id": "acme"}, "tenant_id"),
    (("role",), {}, "role"), ((), {"role": "Superuser"}, "role"), (("exp",), {}, "exp")])
def test_tokens_without_valid_tenant_role_or_exp_answer_401(client, make_token, tenant, drop, extra, needle):
    token = make_token(tenant, drop=drop, extra=extra)
    assert needle in _problem(client.get("/v1/consultants", headers={"Authorization": f"Bearer {token}"}),
                              401)["detail"]


def test_idp_roles_claim_is_understood(client, make_token, tenant):
    token = make_token(tenant, drop=("role",), extra={"roles": ["offline_access", "Sales"]})
    r = client.post("/v1/companies", json={"name": "Acme Bank", "kind": "client"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text


def test_service_account_token_is_audited_as_service(client, make_token, tenant, admin_engine):
    from tests.serving.support import audit_rows

    token = make_token(tenant, "Recruiter", sub="service:imap-sync", extra={"sa": True})
    r = client.post("/v1/tags", json={"name": "imported"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    (row,) = audit_rows(admin_engine, tenant, entity="tag")
    assert row["actor_type"] == "service"
    assert row["actor_id"] == uuid.uuid5(uuid.NAMESPACE_URL, f"{ISSUER}#service:imap-sync")


def test_dev_key_mode_accepts_issued_tokens_and_cli_prints_one(settings, app_engine, admin_engine, tmp_path,
                                                               monkeypatch):
    """Without a JWKS URL the API trusts the local development key; `benchcrm token` prints a valid token."""
    from typer.testing import CliRunner

    from cli.main import app as cli_app
    from serving.auth.keys import key_path
    from serving.auth.tokens import issue_token
    from serving.main import create_app
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    dev = settings.model_copy(update={"jwks_url": None})
    monkeypatch.setenv("BENCHCRM_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    slug = f"acme-dev-{uuid.uuid4().hex[:6]}"
    created = CliRunner().invoke(cli_app, ["tenant", "create", slug, "--name", "Acme Dev"])
    result = CliRunner().invoke(cli_app, ["token", "--tenant", slug, "--role", "Recruiter"])
    get_settings.cache_clear()
    assert created.exit_code == 0, created.output
    assert result.exit_code == 0, result.output
    cli_token = result.stdout.strip().splitlines()[-1]
    assert key_path(dev).exists() and oct(key_path(dev).stat().st_mode & 0o777) == "0o600"
    with admin_engine.connect() as conn:
        acme = tenant_id_for(conn, slug)
    assert created.stdout.strip() == str(acme)
    with TestClient(create_app(dev, engine=app_engine, load_model=False)) as c:
        assert c.get("/v1/consultants", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200
        claims = jwt.decode(cli_token, options={"verify_signature": False})
        assert claims["tenant_id"] == str(acme) and claims["role"] == "Recruiter" and claims["aud"] == "benchcrm"
        short = issue_token(dev, tenant_id=acme, role="ReadOnly", minutes=1)
        assert c.get("/v1/consultants", headers={"Authorization": f"Bearer {short}"}).status_code == 200
        assert c.post("/v1/tags", json={"name": "x"},
                      headers={"Authorization": f"Bearer {short}"}).status_code == 403


def test_cli_token_rejects_unknown_role():
    from typer.testing import CliRunner

    from cli.main import app as cli_app

    result = CliRunner().invoke(cli_app, ["token", "--tenant", "acme", "--role", "God"])
    assert result.exit_code == 2 and "unknown role" in result.output


def test_cli_token_refuses_an_unknown_tenant_and_never_creates_one(settings, admin_engine, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app as cli_app
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    monkeypatch.setenv("BENCHCRM_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    slug = f"nobody-{uuid.uuid4().hex[:6]}"
    try:
        result = CliRunner().invoke(cli_app, ["token", "--tenant", slug])
        again = CliRunner().invoke(cli_app, ["tenant", "create", slug])
        twice = CliRunner().invoke(cli_app, ["tenant", "create", slug])
        bad = CliRunner().invoke(cli_app, ["tenant", "create", "Not A Slug"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"benchcrm: tenant {slug!r} does not exist; create it with `benchcrm tenant create {slug}` "
                     "(or load the demo world with `benchcrm seed`)"]
    assert again.exit_code == 0
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    assert bad.exit_code == 2 and "invalid tenant slug" in bad.stderr
    with admin_engine.connect() as conn:
        assert tenant_id_for(conn, slug) == uuid.UUID(again.stdout.strip())


def test_a_disabled_tenant_answers_401_until_enabled_again(client, make_token, make_tenant, admin_engine, settings,
                                                           monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app as cli_app
    from warehouse.settings import get_settings

    slug = f"t-{uuid.uuid4().hex[:10]}"
    tenant = make_tenant(slug)
    headers = {"Authorization": f"Bearer {make_token(tenant, 'Owner')}"}
    assert client.get("/v1/consultants", headers=headers).status_code == 200

    monkeypatch.setenv("BENCHCRM_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        off = CliRunner().invoke(cli_app, ["tenant", "disable", slug])
        client.app.state.tenants.forget(tenant)  # the API's cache would notice within tenant_cache_seconds
        body = _problem(client.get("/v1/consultants", headers=headers), 401)
        assert body["detail"] == "the token is not valid for this service"
        _problem(client.post("/v1/tags", json={"name": "x"}, headers=headers), 401)

        on = CliRunner().invoke(cli_app, ["tenant", "enable", slug])
        client.app.state.tenants.forget(tenant)
        assert client.get("/v1/consultants", headers=headers).status_code == 200
        missing = CliRunner().invoke(cli_app, ["tenant", "disable", f"nobody-{uuid.uuid4().hex[:6]}"])
    finally:
        get_settings.cache_clear()
    assert off.exit_code == 0 and "disabled" in off.stdout
    assert on.exit_code == 0 and "enabled" in on.stdout
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_a_verified_token_is_remembered_until_it_expires_and_never_vouches_for_another(settings, admin_engine):
    """The verifier remembers a verified token's claims (docs/adr/0026) by its exact text until `exp` (plus the
    leeway), and never longer than the key set is cached; a token differing in any byte is verified afresh."""
    from serving.auth.tokens import KEY_SET_SECONDS, AuthError, TokenVerifier, issue_token

    class Counting(TokenVerifier):
        verified = 0

        def _verify(self, token: str):
            self.verified += 1
            return super()._verify(token)

    dev = settings.model_copy(update={"jwks_url": None})
    now = [time.time()]
    verifier = Counting(dev, leeway_seconds=30, clock=lambda: now[0])
    tenant = uuid.uuid4()
    token = issue_token(dev, tenant_id=tenant, role="Recruiter", minutes=60)
    first = verifier.verify(token)
    assert verifier.verify(token) == first and verifier.verified == 1
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(AuthError):
        verifier.verify(tampered)
    now[0] += KEY_SET_SECONDS + 1  # past the key set's lifetime: verified again (and still valid)
    assert verifier.verify(token) == first and verifier.verified == 3
    now[0] = first.expires_at + 30  # exactly at exp + leeway, as PyJWT: expired
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token)


def test_processes_creating_the_development_key_at_once_all_end_with_the_same_key(settings, tmp_path):
    """The workers of `benchcrm serve --workers N` warm up at once on a fresh data folder: each may find no key and
    make one, yet every one of them must verify what any other (or `benchcrm token`) signs."""
    import threading

    from serving.auth.keys import dev_signing_key, key_path

    fresh = settings.model_copy(update={"data_dir": tmp_path})
    start = threading.Barrier(6)
    kids: list[str] = []

    def worker() -> None:
        start.wait()
        kids.append(dev_signing_key(fresh).kid)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(kids) == 6 and len(set(kids)) == 1
    assert dev_signing_key(fresh).kid == kids[0]
    assert sorted(p.name for p in key_path(fresh).parent.iterdir()) == [key_path(fresh).name]  # no temporary left
