"""RBAC: every endpoint declares the permission it needs; each role gets exactly what migration 0004 grants."""

from __future__ import annotations

import re
import uuid

import pytest

ROLES = ("Owner", "Admin", "Recruiter", "Sales", "Analyst", "ReadOnly")
_PUBLIC = {"/healthz", "/readyz", "/metrics"}


def _operations(app):
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_v1_operation_declares_a_permission_and_an_operation_id(app):
    for path, method, op in _operations(app):
        if path in _PUBLIC:
            continue
        assert re.fullmatch(r"[a-z_]+:(read|create|update|delete|decide|import)", op.get("x-required-permission", "")), (
            method, path)
        assert op["operationId"].startswith(op["tags"][0] + "-"), op["operationId"]


def test_every_role_is_refused_each_endpoint_it_lacks_with_the_permission_named(client, app, auth, tenant):
    """For every (role, operation) pair the role's grants exclude, the answer is a 403 naming the permission."""
    permissions = app.state.permissions
    checked = 0
    for role in ROLES:
        headers = auth(tenant, role)
        for path, method, op in _operations(app):
            if path in _PUBLIC:
                continue
            resource, action = op["x-required-permission"].split(":")
            if (resource, action) in permissions[role]:
                continue
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            r = client.request(method.upper(), url, headers=headers)
            assert r.status_code == 403, (role, method, path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["missingPermission"] == f"{resource}:{action}", (role, path)
            checked += 1
    assert checked > 100  # the matrix really ran


def test_every_role_passes_authorization_for_each_endpoint_it_holds(client, app, auth, tenant):
    """Granted operations never answer 403 (they answer 2xx, 404 for the random id, 422 for the missing body...)."""
    permissions = app.state.permissions
    for role in ROLES:
        headers = auth(tenant, role)
        for path, method, op in _operations(app):
            if path in _PUBLIC:
                continue
            resource, action = op["x-required-permission"].split(":")
            if (resource, action) not in permissions[role]:
                continue
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            r = client.request(method.upper(), url, headers=headers)
            # 503 only while a lazily imported ML/marts module is absent (see test_integrations.py)
            assert r.status_code not in (403, 500), (role, method, path, r.status_code, r.text)


@pytest.mark.parametrize(("role", "method", "path", "body", "allowed"), [
    ("ReadOnly", "GET", "/v1/consultants", None, True),
    ("ReadOnly", "POST", "/v1/consultants", {"fullName": "X"}, False),
    ("ReadOnly", "GET", "/v1/audit/logs", None, False),
    ("Sales", "POST", "/v1/requirements", {"title": "Java Dev"}, True),
    ("Sales", "POST", "/v1/consultants", {"fullName": "X"}, False),
    ("Sales", "GET", "/v1/consultants", None, True),
    ("Analyst", "GET", "/v1/submissions", None, True),
    ("Analyst", "POST", "/v1/tags", {"name": "t"}, False),
    ("Analyst", "GET", "/v1/audit/logs", None, False),
    ("Recruiter", "POST", "/v1/consultants", {"fullName": "X"}, True),
    ("Recruiter", "DELETE", "/v1/tags/00000000-0000-4000-8000-000000000000", None, True),
    ("Recruiter", "GET", "/v1/audit/logs", None, False),
    ("Recruiter", "GET", "/v1/webhooks", None, False),
    ("Admin", "GET", "/v1/audit/logs", None, True),
    ("Admin", "POST", "/v1/webhooks", {"url": "https://93.184.215.14/h"}, True),
    ("Owner", "GET", "/v1/audit/logs", None, True),
])
def test_role_matrix_spot_checks(client, auth, tenant, role, method, path, body, allowed):
    r = client.request(method, path, json=body, headers=auth(tenant, role))
    if allowed:
        assert r.status_code in (200, 201, 404), r.text
    else:
        assert r.status_code == 403 and r.json()["role"] == role
