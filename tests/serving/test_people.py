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


def _export_traces(exports_root, tenant_id: uuid.UUID, needles: list[str]) -> list[str]:
    """Every <folder>/<table>.parquet column whose rows of this tenant hold one of the needles."""
    import pandas as pd

    found = []
    for path in sorted(exports_root.glob("*/*.parquet")):
        frame = pd.read_parquet(path)
        mine = frame[frame["tenant_id"].astype(str) == str(tenant_id)]
        for column in mine.columns:
            text = mine[column].astype(str).str.lower()
            for needle in needles:
                if text.str.contains(needle.lower(), regex=False).any():
                    found.append(f"{path.parent.name}/{path.name}.{column}: {needle}")
    return found


def test_erasure_reaches_the_marts_and_their_exports(client, auth, tenant, world, admin_engine, settings,
                                                     built_marts):
    """The marts are rebuilt with the person in them and exported (the tenant's folder and "all"); erasure takes
    them out of every marts table and every export file of the tenant, and leaves the other tenant's same-named
    person in both."""
    from warehouse.dbt_env import run_dbt
    from warehouse.offline.export import export_marts

    proc = run_dbt(settings, "run")
    assert proc.returncode == 0, proc.stdout[-4000:]
    with admin_engine.connect() as conn:
        slug = conn.execute(sa.text("select slug from crm.tenant where id = :t"), {"t": tenant}).scalar()
        marts_before = conn.execute(sa.text(
            "select count(*) from marts.kpi_consultant_revenue where tenant_id = :t and consultant_id = :c"),
            {"t": tenant, "c": world["consultant"]}).scalar()
    exports = settings.data_dir / "exports"
    export_marts(admin_engine, exports / slug, tenant_id=tenant)
    export_marts(admin_engine, exports / "all")
    needles = [EMAIL, PHONE, NAME]
    assert marts_before == 1
    assert any(t.startswith("marts.kpi_consultant_revenue.full_name") for t in _traces(admin_engine, tenant, needles))
    assert {t.split("/")[0] for t in _export_traces(exports, tenant, needles)} == {slug, "all"}
    elsewhere_before = _export_traces(exports, world["elsewhere"], [NAME])

    r = client.delete(f"/v1/people/{EMAIL}", headers=auth(tenant, "Admin"))
    assert r.status_code == 200, r.text
    erased = r.json()["erased"]
    assert erased["marts.kpi_consultant_revenue.consultant_id"] == 1 and erased["marts.fct_submissions.consultant_id"]
    assert erased[f"exports/{slug}/kpi_consultant_revenue.parquet"] == 1

    assert _traces(admin_engine, tenant, needles) == []
    assert _export_traces(exports, tenant, needles) == []
    with admin_engine.connect() as conn:
        left = conn.execute(sa.text(
            "select count(*) from marts.kpi_consultant_revenue where tenant_id = :t and consultant_id = :c"),
            {"t": tenant, "c": world["bystander"]}).scalar()
        elsewhere = conn.execute(sa.text(
            "select count(*) from marts.kpi_consultant_revenue where tenant_id = :t and full_name = :n"),
            {"t": world["elsewhere"], "n": NAME}).scalar()
    assert left == 1 and elsewhere == 1
    assert _export_traces(exports, world["elsewhere"], [NAME]) == elsewhere_before != []
    # the next build does not bring the person back: their crm rows are gone
    proc = run_dbt(settings, "run")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert _traces(admin_engine, tenant, needles) == []


def test_marts_erasure_touches_nothing_without_a_tenant(app_engine, admin_engine, built_marts):
    """Outside a tenant transaction the function (SECURITY DEFINER: RLS does not apply inside) erases nothing,
    even asked for a real consultant and a pattern matching every text."""
    from warehouse.repositories.people import ERASED

    count = "select count(*) from marts.kpi_consultant_revenue where consultant_id = :c and full_name <> :r"
    with admin_engine.connect() as conn:
        consultant = conn.execute(sa.text("select consultant_id from marts.kpi_consultant_revenue "
                                          "where tenant_id = :t limit 1"), {"t": built_marts.world.tenant_id}).scalar()
    with app_engine.begin() as conn:
        rows = conn.execute(sa.text("select * from app.erase_from_marts(cast(:ids as uuid[]), :p, :r)"),
                            {"ids": [consultant], "p": ".", "r": ERASED}).all()
    assert rows == []
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text(count), {"c": consultant, "r": ERASED}).scalar() == 1


def test_only_the_application_role_may_call_the_marts_erasure(admin_engine):
    """Not PUBLIC, so not the per-tenant BI logins (who read the marts) either."""
    with admin_engine.connect() as conn:
        grantees = conn.execute(sa.text(
            "select coalesce(r.rolname, 'PUBLIC') from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "cross join lateral aclexplode(p.proacl) a left join pg_roles r on r.oid = a.grantee "
            "where n.nspname = 'app' and p.proname = 'erase_from_marts' and a.privilege_type = 'EXECUTE' "
            "and not coalesce(r.rolsuper, false) order by 1")).scalars().all()
    assert grantees == ["benchcrm_app"]


def test_erasure_works_on_a_database_where_dbt_never_ran():
    """A fresh database has no schema `marts`: the person is erased from crm and the marts step reports nothing."""
    from tests.private_db import private_embedded
    from warehouse.db import app_engine as make_app_engine
    from warehouse.repositories import people
    from warehouse.repositories.tenants import ensure_tenant

    with private_embedded() as own:
        from warehouse.db import admin_engine as make_admin_engine

        with make_admin_engine(own).begin() as conn:
            assert conn.execute(sa.text("select to_regnamespace('marts')")).scalar() is None
            tenant_id = ensure_tenant(conn, slug="fresh")
        engine = make_app_engine(own)
        with tenant_tx(tenant_id, engine) as conn:
            conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name, email) values (:t, :n, :e)"),
                         {"t": tenant_id, "n": NAME, "e": EMAIL})
            counts = people.erase(conn, people.find_person(conn, EMAIL))
        engine.dispose()
    assert counts == {"consultant": 1}
