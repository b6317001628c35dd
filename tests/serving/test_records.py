"""CRUD behaviour: idempotent POSTs, ETag/If-Match, cursor pagination under inserts, filters, full-text search,
hostile strings, soft delete with audit and outbox rows."""

from __future__ import annotations

import sqlalchemy as sa

from tests.serving.support import audit_rows, outbox_rows


def _count(admin_engine, table: str, tenant) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :t"), {"t": tenant}).scalar()


def test_retried_post_with_idempotency_key_returns_first_response_and_creates_once(client, auth, tenant,
                                                                                    admin_engine):
    h = {**auth(tenant), "Idempotency-Key": "create-ana-1"}
    first = client.post("/v1/consultants", json={"fullName": "Ana Souza"}, headers=h)
    again = client.post("/v1/consultants", json={"fullName": "Ana Souza"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"] and again.headers["location"] == first.headers["location"]
    assert _count(admin_engine, "consultant", tenant) == 1
    assert len(audit_rows(admin_engine, tenant, entity="consultant", action="create")) == 1
    assert [e["event_type"] for e in outbox_rows(admin_engine, tenant)] == ["consultant.created"]


def test_same_idempotency_key_with_a_different_body_is_422(client, auth, tenant, admin_engine):
    h = {**auth(tenant), "Idempotency-Key": "k-2"}
    assert client.post("/v1/tags", json={"name": "hot"}, headers=h).status_code == 201
    r = client.post("/v1/tags", json={"name": "cold"}, headers=h)
    assert r.status_code == 422 and r.json()["type"].endswith("/idempotency-key-reused")
    assert _count(admin_engine, "tag", tenant) == 1


def test_idempotency_keys_are_per_tenant(client, auth, make_tenant, admin_engine):
    a, b = make_tenant(), make_tenant()
    for t in (a, b):
        r = client.post("/v1/tags", json={"name": "hot"}, headers={**auth(t), "Idempotency-Key": "shared"})
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert _count(admin_engine, "tag", a) == _count(admin_engine, "tag", b) == 1


def test_failed_post_is_not_remembered_by_its_idempotency_key(client, auth, tenant, seed):
    h = {**auth(tenant), "Idempotency-Key": "dup"}
    c, r = seed.consultant(), seed.requirement()
    seed.submission(c, r)
    body = {"consultantId": str(c), "requirementId": str(r)}
    assert client.post("/v1/submissions", json=body, headers=h).status_code == 409
    assert client.post("/v1/submissions", json=body, headers=h).status_code == 409


def test_patch_with_stale_if_match_is_412_and_current_one_bumps_version(client, auth, tenant, admin_engine):
    h = auth(tenant)
    created = client.post("/v1/consultants", json={"fullName": "Ana", "status": "bench"}, headers=h)
    cid, etag = created.json()["id"], created.headers["etag"]
    ok = client.patch(f"/v1/consultants/{cid}", json={"status": "marketing"}, headers={**h, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    stale = client.patch(f"/v1/consultants/{cid}", json={"status": "inactive"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["currentVersion"] == 2
    assert client.get(f"/v1/consultants/{cid}", headers=h).json()["status"] == "marketing"
    weak = client.patch(f"/v1/consultants/{cid}", json={"title": "Lead"}, headers={**h, "If-Match": 'W/"2"'})
    assert weak.status_code == 200
    bad = client.patch(f"/v1/consultants/{cid}", json={"title": "x"}, headers={**h, "If-Match": "yesterday"})
    assert bad.status_code == 400
    (update_audit, _) = audit_rows(admin_engine, tenant, entity="consultant", action="update")
    assert update_audit["before_hash"] != update_audit["after_hash"]
    assert update_audit["payload"] == {"changed": ["status"]}


def test_patch_null_on_required_field_is_422_and_on_optional_clears_it(client, auth, tenant):
    h = auth(tenant)
    cid = client.post("/v1/consultants", json={"fullName": "Ana", "title": "Dev"}, headers=h).json()["id"]
    assert client.patch(f"/v1/consultants/{cid}", json={"fullName": None}, headers=h).status_code == 422
    r = client.patch(f"/v1/consultants/{cid}", json={"title": None}, headers=h)
    assert r.status_code == 200 and r.json()["title"] is None


def test_delete_is_soft_audited_and_honours_if_match(client, auth, tenant, admin_engine):
    h = auth(tenant)
    cid = client.post("/v1/companies", json={"name": "Acme", "kind": "client"}, headers=h).json()["id"]
    assert client.delete(f"/v1/companies/{cid}", headers={**h, "If-Match": '"7"'}).status_code == 412
    assert client.delete(f"/v1/companies/{cid}", headers={**h, "If-Match": '"1"'}).status_code == 204
    assert client.get(f"/v1/companies/{cid}", headers=h).status_code == 404
    assert client.delete(f"/v1/companies/{cid}", headers=h).status_code == 404
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("select deleted_at is not null from crm.company where id = :i"),
                            {"i": cid}).scalar()
    (row,) = audit_rows(admin_engine, tenant, entity="company", action="delete")
    assert row["before_hash"] and row["after_hash"] is None
    assert [e["event_type"] for e in outbox_rows(admin_engine, tenant)] == ["company.created", "company.deleted"]


def test_cursor_pagination_is_stable_under_concurrent_inserts(client, auth, tenant):
    h = auth(tenant)
    original = [client.post("/v1/tags", json={"name": f"t{i:02d}"}, headers=h).json()["id"] for i in range(25)]
    seen: list[str] = []
    r = client.get("/v1/tags", params={"limit": 10}, headers=h).json()
    seen += [t["id"] for t in r["data"]]
    for i in range(5):  # inserts between page fetches
        client.post("/v1/tags", json={"name": f"new{i}"}, headers=h)
    while r["nextCursor"]:
        r = client.get("/v1/tags", params={"limit": 10, "cursor": r["nextCursor"]}, headers=h).json()
        seen += [t["id"] for t in r["data"]]
    assert seen == list(reversed(original))  # every original row exactly once, newest first, none of the new


def test_invalid_cursor_is_400(client, auth, tenant):
    for cursor in ("garbage", "WyJ4IiwgInkiXQ", "'; drop table crm.tag; --"):
        r = client.get("/v1/tags", params={"cursor": cursor}, headers=auth(tenant))
        assert r.status_code == 400 and r.json()["type"].endswith("/invalid-cursor")


def test_filters_and_full_text_search(client, auth, tenant, seed):
    h = auth(tenant)
    seed.consultant(full_name="Ravi Kumar", title="Senior Java Developer", summary="Spring Boot microservices",
                    status="bench", visa_status="H1B", state="TX")
    seed.consultant(full_name="Mia Chen", title="Data Engineer", summary="PySpark, Snowflake, Airflow",
                    status="marketing", visa_status="GC", state="NC")
    names = lambda r: sorted(c["fullName"] for c in r.json()["data"])  # noqa: E731
    assert names(client.get("/v1/consultants", params={"q": "java spring"}, headers=h)) == ["Ravi Kumar"]
    assert names(client.get("/v1/consultants", params={"q": "snowflake OR java"}, headers=h)) == [
        "Mia Chen", "Ravi Kumar"]
    assert names(client.get("/v1/consultants", params={"visaStatus": "GC"}, headers=h)) == ["Mia Chen"]
    assert names(client.get("/v1/consultants", params={"status": "bench", "state": "TX"}, headers=h)) == [
        "Ravi Kumar"]
    assert client.get("/v1/consultants", params={"visaStatus": "Martian"}, headers=h).status_code == 422
    assert client.get("/v1/consultants", params={"colour": "red"}, headers=h).status_code == 422


def test_sql_injection_strings_are_plain_data(client, auth, tenant, seed, admin_engine):
    h = auth(tenant)
    seed.consultant(full_name="Bobby Tables")
    client.post("/v1/tags", json={"name": "50%_off"}, headers=h)
    hostile = ["' OR 1=1 --", "'; drop table crm.consultant; --", "\\", "%", "_", "a:*&!(b|c)", ") or (1=1",
               "' union select password from pg_shadow --"]
    for q in hostile:
        for resource in ("consultants", "tags", "companies", "activities"):
            r = client.get(f"/v1/{resource}", params={"q": q}, headers=h)
            assert r.status_code == 200, (resource, q, r.text)
            assert r.json()["data"] == [] or q in ("%", "_"), (resource, q)
        assert client.get("/v1/consultants", params={"state": q}, headers=h).json()["data"] == []
        assert client.get("/v1/submissions", params={"consultantId": q}, headers=h).status_code == 422
    # `%` and `_` match literally, not as wildcards
    assert [t["name"] for t in client.get("/v1/tags", params={"q": "%"}, headers=h).json()["data"]] == ["50%_off"]
    assert client.get("/v1/tags", params={"q": "0%_o"}, headers=h).json()["data"][0]["name"] == "50%_off"
    assert _count(admin_engine, "consultant", tenant) == 1


def test_nul_characters_are_rejected_precisely(client, auth, tenant):
    h = auth(tenant)
    r = client.post("/v1/tags", json={"name": "a\u0000b"}, headers=h)
    assert r.status_code == 422 and "NUL" in r.json()["detail"]
    r = client.get("/v1/consultants", params={"q": "a\u0000b"}, headers=h)
    assert r.status_code == 422, r.text


def test_unique_violation_is_409(client, auth, tenant):
    h = auth(tenant)
    assert client.post("/v1/tags", json={"name": "hot"}, headers=h).status_code == 201
    r = client.post("/v1/tags", json={"name": "hot"}, headers=h)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")


def test_every_resource_supports_create_get_patch_delete(client, auth, tenant, seed):
    h = auth(tenant, "Owner")
    c, req, co = seed.consultant(), seed.requirement(), seed.company()
    sub = seed.submission(c, req, status="offered")
    contact = client.post("/v1/contacts", json={"companyId": str(co), "fullName": "Vic"}, headers=h).json()["id"]
    bodies = {
        "requirements": ({"title": "Java Lead", "employmentTerms": ["C2C"], "visaAccepted": ["USC", "GC"]},
                         {"status": "on_hold"}),
        "companies": ({"name": "Acme Bank", "kind": "client"}, {"industry": "Banking"}),
        "contacts": ({"companyId": str(co), "fullName": "Pat"}, {"title": "AM"}),
        "interviews": ({"submissionId": str(sub), "scheduledAt": "2026-12-01T15:00:00Z"}, {"outcome": "passed"}),
        "offers": ({"submissionId": str(sub), "offeredAt": "2026-12-05T16:00:00Z", "billRate": 80},
                   {"status": "accepted"}),
        "placements": ({"submissionId": str(sub), "startDate": "2027-01-04"}, {"endDate": "2027-12-31"}),
        "activities": ({"kind": "call", "consultantId": str(c), "contactId": contact, "body": "left voicemail"},
                       {"body": "called back"}),
        "tags": ({"name": "priority"}, {"color": "#16a34a"}),
        "attachments": ({"entityType": "consultant", "entityId": str(c), "filename": "cv.txt",
                         "contentType": "text/plain", "contentBase64": "SmF2YQ=="}, {"filename": "cv2.txt"}),
    }
    for resource, (create, patch) in bodies.items():
        r = client.post(f"/v1/{resource}", json=create, headers=h)
        assert r.status_code == 201, (resource, r.text)
        rid = r.json()["id"]
        assert client.get(f"/v1/{resource}/{rid}", headers=h).status_code == 200
        p = client.patch(f"/v1/{resource}/{rid}", json=patch, headers={**h, "If-Match": '"1"'})
        assert p.status_code == 200 and p.json()["version"] == 2, (resource, p.text)
        assert client.delete(f"/v1/{resource}/{rid}", headers=h).status_code == 204
    placement = client.post("/v1/placements", json={"submissionId": str(sub), "startDate": "2027-01-04"},
                            headers=h)
    assert placement.status_code == 409  # one placement per submission (the deleted one still holds the key)
