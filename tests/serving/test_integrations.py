"""Endpoints that call the parallel ML/ingest/marts modules (ml.extraction.extract, ml.ingest.service,
warehouse.repositories.kpis). Validation that happens before those calls is tested here too and needs nothing."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.serving.support import audit_rows

EMAIL = (b"From: Vic Vendor <vic@primevendor.example>\r\nTo: bench@acme.example\r\n"
         b"Subject: Immediate need: Sr. Data Engineer || Austin, TX (Hybrid) || 12+ Months || C2C\r\n"
         b"Message-ID: <" + uuid.uuid4().hex.encode() + b"@primevendor.example>\r\n"
         b"Date: Tue, 24 Nov 2026 09:00:00 -0600\r\n\r\n"
         b"Role: Sr. Data Engineer\r\nLocation: Austin, TX (Hybrid)\r\nDuration: 12+ Months\r\n"
         b"Rate: $68/hr on C2C\r\nVisa: USC, GC, H1B\r\nMust have: Python, PySpark, AWS Glue, Redshift, Airflow\r\n")


# ---- validation before any ML module is touched (passes on this branch alone) ----------------------------------
def test_inbox_import_checks_media_type_and_emptiness(client, auth, tenant):
    h = auth(tenant)
    r = client.post("/v1/integrations/inbox/import", content=EMAIL, headers={**h, "content-type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/v1/integrations/inbox/import", content=b"  \r\n",
                    headers={**h, "content-type": "message/rfc822"})
    assert r.status_code == 422


def test_inbox_import_needs_integrations_import(client, auth, tenant):
    r = client.post("/v1/integrations/inbox/import", content=EMAIL,
                    headers={**auth(tenant, "Sales"), "content-type": "message/rfc822"})
    assert r.status_code == 403 and r.json()["missingPermission"] == "integrations:import"


def test_extract_validates_its_request(client, auth, tenant):
    h = auth(tenant)
    assert client.post("/v1/ai/extract", json={"schemaName": "requirement"}, headers=h).status_code == 422
    assert client.post("/v1/ai/extract", json={"schemaName": "Robert'); DROP", "text": "x"},
                       headers=h).status_code == 422
    assert client.post("/v1/ai/extract", json={"schemaName": "requirement", "text": ""}, headers=h).status_code == 422


def test_kpis_reject_an_inverted_range(client, auth, tenant):
    r = client.get("/v1/analytics/kpis", params={"from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"},
                   headers=auth(tenant, "Analyst"))
    assert r.status_code == 422 and r.json()["type"].endswith("/invalid-range")
    r = client.get("/v1/analytics/kpis", params={"grain": "fortnight"}, headers=auth(tenant, "Analyst"))
    assert r.status_code == 422
    r = client.get("/v1/analytics/kpis", params={"from": "2999-01-01T00:00:00"}, headers=auth(tenant, "Analyst"))
    assert r.status_code == 422  # a naive time is UTC, and a window starting after now is inverted


def test_quarantine_lists_own_rows_newest_first(client, auth, tenant, app_engine):
    from warehouse.db import tenant_tx

    for reason in ("empty_body", "no_requirement_fields"):  # one transaction each: distinct created_at
        with tenant_tx(tenant, app_engine) as conn:
            conn.execute(sa.text("insert into crm.quarantine (tenant_id, source, reason, detail, raw) "
                                 "values (:t, 'api', :r, 'why', 'raw'::bytea)"), {"t": tenant, "r": reason})
    r = client.get("/v1/quarantine", headers=auth(tenant))
    assert r.status_code == 200
    assert [q["reason"] for q in r.json()["data"]] == ["no_requirement_fields", "empty_body"]
    assert "raw" not in r.json()["data"][0]
    only = client.get("/v1/quarantine", params={"reason": "empty_body"}, headers=auth(tenant)).json()["data"]
    assert len(only) == 1
    assert client.get("/v1/quarantine", headers=auth(tenant, "ReadOnly")).status_code == 403


# ---- these call the parallel modules (pass once they are merged) ------------------------------------------------
def test_extract_returns_structured_json_and_audits_a_prompt_fingerprint(client, auth, tenant, admin_engine):
    text = EMAIL.decode().split("\r\n\r\n", 1)[1]
    r = client.post("/v1/ai/extract", json={"schemaName": "requirement", "text": text}, headers=auth(tenant))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["schema_name"] == "requirement" and body["title"]
    (row,) = audit_rows(admin_engine, tenant, action="extract")
    assert len(row["prompt_fingerprint"]) == 64
    r = client.post("/v1/ai/extract", json={"schema_name": "invoice", "text": text}, headers=auth(tenant))
    assert r.status_code == 422 and r.json()["type"].endswith("/unknown-schema")


def test_inbox_import_creates_a_requirement_and_audits_it(client, auth, tenant, admin_engine):
    r = client.post("/v1/integrations/inbox/import", content=EMAIL,
                    headers={**auth(tenant), "content-type": "message/rfc822"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] in ("parsed", "duplicate") and out["requirement_id"]
    assert audit_rows(admin_engine, tenant, action="import")


def test_resume_upload_imports_a_consultant(client, auth, tenant):
    resume = b"Ana Souza\nana@example.com\nSenior Java Developer, 12 years\nSkills: Java, Spring Boot, AWS\n"
    r = client.post("/v1/consultants/import-resume", files={"file": ("ana.txt", resume, "text/plain")},
                    headers=auth(tenant))
    assert r.status_code == 201, r.text


def test_resume_upload_is_authenticated_before_its_body_is_read(client, auth, tenant):
    broken = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nno closing boundary"
    multipart = {"content-type": "multipart/form-data"}  # no boundary: unreadable
    # no token: 401 without parsing the (malformed) body; a body read first would answer 400/422 instead
    r = client.post("/v1/consultants/import-resume", content=broken, headers=multipart)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/v1/consultants/import-resume", content=broken,
                    headers={**auth(tenant, "ReadOnly"), **multipart})
    assert r.status_code == 403  # the permission check comes before the body too
    r = client.post("/v1/consultants/import-resume", content=broken, headers={**auth(tenant), **multipart})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/v1/consultants/import-resume", files={"other": ("a.txt", b"x", "text/plain")},
                    headers=auth(tenant))
    assert r.status_code == 422 and r.json()["type"].endswith("missing-file")
    r = client.post("/v1/consultants/import-resume", content=b"{}",
                    headers={**auth(tenant), "content-type": "application/json"})
    assert r.status_code == 415


def test_kpis_answer_rows_for_the_tenant(client, auth, tenant, built_marts):
    r = client.get("/v1/analytics/kpis", params={"grain": "week"}, headers=auth(tenant, "Analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["grain"] == "week" and isinstance(r.json()["data"], list)
