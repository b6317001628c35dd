"""Data-subject export and erasure: Owner/Admin only; the export holds the person's rows; after erasure no text,
JSON or binary column of the tenant holds their email, phone or name, and the audit trail holds none either."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from warehouse.db import tenant_tx

EMAIL, PHONE, NAME = "ana.souza@example.com", "+1 (214) 555-0199", "Ana Souza"
OTHER = {"email": "bo.lee@example.com", "phone": "+1 (312) 555-0142", "fullName": "Bo Lee"}


def _traces(admin_engine, tenant_id: uuid.UUID, needles: list[str]) -> list[str]:
    """Every (table.column) of the database whose rows of this tenant hold one of the needles."""
    found = []
    with admin_engine.connect() as conn:
        columns = conn.execute(sa.text(
            "select c.table_schema, c.table_name, c.column_name, c.data_type, "
            "exists (select 1 from information_schema.columns t where t.table_schema = c.table_schema "
            "and t.table_name = c.table_name and t.column_name = 'tenant_id') "
            "from information_schema.columns c join information_schema.tables tb "
            "on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE' "
            "where c.table_schema not in ('pg_catalog', 'information_schema') "
            "and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY', 'tsvector')")).all()
        for schema, table, column, dtype, has_tenant in columns:
            scope = "tenant_id = :t and " if has_tenant else ""
            for needle in needles:
                if dtype == "bytea":
                    cond, value = f"position(cast(:n as bytea) in {column}) > 0", needle.encode()
                elif dtype == "tsvector":
                    cond, value = f"{column} @@ plainto_tsquery('english', :n)", needle
                else:
                    cond, value = f"cast({column} as text) ilike '%' || :n || '%'", needle
                hit = conn.execute(sa.text(f'select 1 from "{schema}"."{table}" where {scope}{cond} limit 1'),
                                   {"t": tenant_id, "n": value}).scalar()
                if hit:
                    found.append(f"{schema}.{table}.{column}: {needle}")
    return found


@pytest.fixture
def world(client, auth, tenant, app_engine, make_tenant):
    """The person in every table that can hold them, a bystander, and the same address in another tenant."""
    admin = auth(tenant, "Admin")
    c = client.post("/v1/consultants", json={"fullName": NAME, "email": EMAIL, "phone": PHONE,
                                            "summary": "Java lead"},
                    headers={**admin, "Idempotency-Key": "ana-1"})
    assert c.status_code == 201, c.text
    cid = c.json()["id"]
    bystander = client.post("/v1/consultants", json=OTHER, headers=admin).json()["id"]
    company = client.post("/v1/companies", json={"name": "Prime Vendor", "kind": "vendor"}, headers=admin).json()
    contact = client.post("/v1/contacts", json={"companyId": company["id"], "fullName": NAME, "email": EMAIL},
                          headers=admin).json()["id"]
    req = client.post("/v1/requirements", json={"title": "Java Lead", "description": f"ask {NAME} at {PHONE}"},
                      headers=admin).json()["id"]
    sub = client.post("/v1/submissions", json={"consultantId": cid, "requirementId": req}, headers=admin)
    assert sub.status_code == 201, sub.text
    client.post("/v1/activities", json={"kind": "note", "body": f"{NAME} prefers email {EMAIL}",
                                        "consultantId": bystander}, headers=admin)
    client.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"}, headers=admin)
    now = datetime.now(UTC)
    raw = f"From: {NAME} <{EMAIL}>\nSubject: my resume\n\nCall me at {PHONE}".encode()
    with tenant_tx(tenant, app_engine) as conn:
        p = {"t": tenant, "c": cid, "r": req, "now": now}
        conn.execute(sa.text(
            "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
            "values (:t, 'consultant', :c, 'm', 384, :v, 'h')"), {**p, "v": "[" + ",".join(["0.1"] * 384) + "]"})
        run = conn.execute(sa.text(
            "insert into crm.match_run (tenant_id, kind, direction, anchor_id, model_version) "
            "values (:t, 'api', 'requirement_to_consultants', :r, 'v') returning id"), p).scalar()
        rec = conn.execute(sa.text(
            "insert into crm.recommendation (tenant_id, match_run_id, requirement_id, consultant_id, rank, "
            "match_score, model_version, inputs) values (:t, :run, :r, :c, 1, 0.9, 'v', cast(:i as jsonb)) "
            "returning id"), {**p, "run": run, "i": json.dumps({"name": NAME})}).scalar()
        conn.execute(sa.text(
            "insert into crm.feature_snapshot (tenant_id, recommendation_id, requirement_id, consultant_id, "
            "feature_version, features) values (:t, :rec, :r, :c, 'v3', '{}')"), {**p, "rec": rec})
        conn.execute(sa.text(
            "insert into crm.attachment (tenant_id, entity_type, entity_id, filename, content_type, size_bytes, "
            "sha256, content) values (:t, 'consultant', :c, 'cv.txt', 'text/plain', 3, 'x', :b)"),
            {**p, "b": raw})
        msg = conn.execute(sa.text(
            "insert into crm.inbound_message (tenant_id, source, message_id, raw, subject, from_addr, received_at, "
            "content_hash) values (:t, 'api', :mid, :raw, 'my resume', :e, :now, :h) returning id"),
            {**p, "mid": f"<{uuid.uuid4()}@x>", "raw": raw, "e": EMAIL, "h": hashlib.sha256(raw).hexdigest()}).scalar()
        conn.execute(sa.text("insert into crm.quarantine (tenant_id, source, reason, raw, message_id) "
                             "values (:t, 'api', 'unparseable', :raw, :m)"), {**p, "raw": raw, "m": msg})
        conn.execute(sa.text("insert into crm.ai_cache (tenant_id, input_hash, provider, output) "
                             "values (:t, 'h1', 'offline', cast(:o as jsonb))"),
                     {**p, "o": json.dumps({"email": EMAIL, "phone": PHONE})})
    elsewhere = make_tenant()
    client.post("/v1/consultants", json={"fullName": NAME, "email": EMAIL}, headers=auth(elsewhere, "Admin"))
    return {"consultant": cid, "bystander": bystander, "contact": contact, "requirement": req,
            "elsewhere": elsewhere}


@pytest.mark.parametrize("role", ["Recruiter", "Sales", "Analyst", "ReadOnly"])
def test_only_owner_and_admin_may_export_or_erase(client, auth, tenant, role):
    h = auth(tenant, role)
    assert client.get(f"/v1/people/{EMAIL}/export", headers=h).status_code == 403
    assert client.delete(f"/v1/people/{EMAIL}", headers=h).status_code == 403


def test_unknown_person_is_404_and_a_bad_address_422(client, auth, tenant):
    h = auth(tenant, "Owner")
    assert client.get("/v1/people/nobody@example.com/export", headers=h).status_code == 404
    assert client.delete("/v1/people/not-an-address", headers=h).status_code == 422


def test_export_holds_the_persons_rows_and_is_audited_without_the_address(client, auth, tenant, world,
                                                                          admin_engine):
    r = client.get(f"/v1/people/{EMAIL}/export", headers=auth(tenant, "Owner"))
    assert r.status_code == 200, r.text
    body = r.json()
    tables = body["tables"]
    assert {row["id"] for row in tables["consultant"]} == {world["consultant"]}
    assert tables["consultant"][0]["email"] == EMAIL and tables["contact"][0]["id"] == world["contact"]
    for name in ("submission", "recommendation", "feature_snapshot", "embedding", "attachment", "inbound_message",
                 "quarantine", "outbox"):
        assert tables.get(name), name
    assert body["mentions"]["activity.body"] == 1 and body["mentions"]["requirement.description"] == 1
    with admin_engine.connect() as conn:
        audit = conn.execute(sa.text("select p::text from crm.privacy_request p where tenant_id = :t"),
                             {"t": tenant}).scalar()
    assert audit and EMAIL not in audit and "ana" not in audit.lower()


def test_erasure_leaves_no_trace_of_the_person_and_spares_everyone_else(client, auth, tenant, world, admin_engine):
    assert _traces(admin_engine, tenant, [EMAIL, PHONE, NAME])  # the walk does find them before
    r = client.delete(f"/v1/people/{EMAIL}", headers=auth(tenant, "Admin"))
    assert r.status_code == 200, r.text
    erased = r.json()["erased"]
    assert erased["consultant"] == 1 and erased["contact"] == 1 and erased["inbound_message"] == 1

    assert _traces(admin_engine, tenant, [EMAIL, PHONE, NAME]) == []
    assert _traces(admin_engine, tenant, [EMAIL.upper()]) == []
    h = auth(tenant, "Owner")
    assert client.get(f"/v1/consultants/{world['consultant']}", headers=h).status_code == 404
    assert client.get(f"/v1/people/{EMAIL}/export", headers=h).status_code == 404
    # the bystander, the requirement and the other tenant's record of the same address stay
    assert client.get(f"/v1/consultants/{world['bystander']}", headers=h).json()["email"] == OTHER["email"]
    requirement = client.get(f"/v1/requirements/{world['requirement']}", headers=h).json()
    assert requirement["description"] == "ask [erased] at [erased]"
    other = client.get("/v1/consultants", headers=auth(world["elsewhere"], "Owner")).json()["data"]
    assert [c["email"] for c in other] == [EMAIL]
    # the audit trail says what happened, to whom only by keyed hash
    with admin_engine.connect() as conn:
        rows = conn.execute(sa.text("select action, subject_hash, counts from crm.privacy_request "
                                    "where tenant_id = :t"), {"t": tenant}).all()
    assert [r.action for r in rows] == ["erase"] and len(rows[0].subject_hash) == 64
