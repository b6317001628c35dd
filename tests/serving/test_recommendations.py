"""Recommendations: stored runs, the human decision (approve -> draft submission; reject with reason), audit rows.

`test_recommend_then_approve_creates_a_submission` drives the real matching service (ml.matching.service) and so
needs that module; the decision tests use stored recommendation rows and need nothing else."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.serving.support import audit_rows, outbox_rows


def test_approve_creates_one_draft_submission_linked_to_the_recommendation(client, auth, tenant, seed,
                                                                           admin_engine):
    h = auth(tenant, "Recruiter")
    req = seed.requirement()
    c1, c2 = seed.consultant(), seed.consultant(full_name="Bo")
    _run, (rec1, _rec2) = seed.recommendation(req, [c1, c2])
    r = client.post(f"/v1/recommendations/{rec1}/decision", json={"decision": "approve"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["decision"] == "approved" and body["submissionCreated"] is True
    sub = body["submission"]
    assert sub["status"] == "draft" and sub["recommendationId"] == str(rec1)
    assert sub["consultantId"] == str(c1) and sub["requirementId"] == str(req) and sub["matchScore"] == 0.9
    again = client.post(f"/v1/recommendations/{rec1}/decision", json={"decision": "reject", "reason": "x"},
                        headers=h)
    assert again.status_code == 409 and again.json()["decision"] == "approved"
    with admin_engine.connect() as conn:
        row = conn.execute(sa.text("select decision, decided_by, decided_at from crm.recommendation where id = :i"),
                           {"i": rec1}).one()
    assert row.decision == "approved" and row.decided_at is not None
    (decide,) = audit_rows(admin_engine, tenant, action="decide")
    assert decide["entity_id"] == rec1 and decide["model_version"] == "test-model-v1"
    (created,) = audit_rows(admin_engine, tenant, entity="submission", action="create")
    assert created["payload"]["recommendationId"] == str(rec1)
    assert [e["event_type"] for e in outbox_rows(admin_engine, tenant)] == [
        "recommendation.decided", "submission.created"]


def test_approving_when_a_submission_exists_returns_it_without_a_duplicate(client, auth, tenant, seed):
    h = auth(tenant)
    req, c = seed.requirement(), seed.consultant()
    existing = seed.submission(c, req, status="submitted")
    _, (rec,) = seed.recommendation(req, [c])
    r = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "approve"}, headers=h)
    assert r.status_code == 200 and r.json()["submissionCreated"] is False
    assert r.json()["submission"]["id"] == str(existing)


def test_reject_needs_a_reason_and_stores_it(client, auth, tenant, seed, admin_engine):
    h = auth(tenant)
    req, c = seed.requirement(), seed.consultant()
    _, (rec,) = seed.recommendation(req, [c])
    r = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "reject"}, headers=h)
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "reject", "reason": "visa mismatch"},
                    headers=h)
    assert r.status_code == 200 and r.json()["submission"] is None
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("select decision_reason from crm.recommendation where id = :i"),
                            {"i": rec}).scalar() == "visa mismatch"
        assert conn.execute(sa.text("select count(*) from crm.submission where tenant_id = :t"),
                            {"t": tenant}).scalar() == 0


def test_decision_needs_the_decide_permission(client, auth, tenant, seed):
    _, (rec,) = seed.recommendation(seed.requirement(), [seed.consultant()])
    r = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "approve"}, headers=auth(tenant, "Sales"))
    assert r.status_code == 403 and r.json()["missingPermission"] == "recommendations:decide"


def test_stored_run_is_readable(client, auth, tenant, seed):
    req = seed.requirement()
    run, items = seed.recommendation(req, [seed.consultant(), seed.consultant()])
    r = client.get(f"/v1/recommendations/{run}", headers=auth(tenant, "Analyst"))
    assert r.status_code == 200
    body = r.json()
    assert body["recommendationId"] == str(run) and [i["id"] for i in body["items"]] == [str(i) for i in items]
    assert body["modelVersion"] == "test-model-v1"


def test_recommendation_bad_input_is_4xx(client, auth, tenant, seed):
    h = auth(tenant)
    req = seed.requirement()
    for top_k in ("0", "-3", "51", "1000000000000", "ten", "1.5"):
        r = client.post(f"/v1/requirements/{req}/recommendations?topK={top_k}", json={"explain": True}, headers=h)
        assert r.status_code == 422, (top_k, r.text)
    r = client.post(f"/v1/requirements/{req}/recommendations", json={"explain": "very"}, headers=h)
    assert r.status_code == 422
    r = client.post(f"/v1/requirements/{req}/recommendations", json={"explain": True, "x": 1}, headers=h)
    assert r.status_code == 422
    r = client.post("/v1/requirements/not-a-uuid/recommendations", json={}, headers=h)
    assert r.status_code == 422


def test_recommend_then_approve_creates_a_submission(client, auth, tenant, seed, admin_engine, app_engine):
    """Needs ml.matching.service (lands at merge)."""
    h = auth(tenant)
    req = seed.requirement(title="Senior Java Developer", description="Java, Spring Boot, AWS; 8+ years",
                           state="TX", city="Dallas")
    for i in range(5):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                        years_experience=8 + i, state="TX", city="Dallas")
    r = client.post(f"/v1/requirements/{req}/recommendations?topK=3", json={"explain": True},
                    headers={**h, "Idempotency-Key": "rec-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["modelVersion"] and 1 <= len(body["items"]) <= 3
    item = body["items"][0]
    assert 0 <= item["matchScore"] <= 1 and item["reasons"] and isinstance(item["factors"], dict)
    again = client.post(f"/v1/requirements/{req}/recommendations?topK=3", json={"explain": True},
                        headers={**h, "Idempotency-Key": "rec-1"})
    assert again.json()["recommendationId"] == body["recommendationId"]
    (audit,) = audit_rows(admin_engine, tenant, action="recommend")
    assert str(audit["entity_id"]) == body["recommendationId"] and audit["model_version"] == body["modelVersion"]
    with admin_engine.connect() as conn:
        stored = conn.execute(sa.text("select count(*) from crm.recommendation where match_run_id = :r"),
                              {"r": body["recommendationId"]}).scalar()
        # the snapshots wait in the write-behind queue, as one row for the run (serving/snapshot_writer.py)
        queued = conn.execute(sa.text("select jsonb_array_length(snapshots) from crm.feature_snapshot_pending "
                                      "where match_run_id = :r"), {"r": body["recommendationId"]}).scalars().all()
    assert stored == len(body["items"]) and queued == [len(body["items"])]
    from serving.snapshot_writer import drain_all

    drain_all(app_engine, admin_engine)
    with admin_engine.connect() as conn:
        snapshots = conn.execute(sa.text(
            "select count(*) from crm.feature_snapshot f join crm.recommendation r on r.id = f.recommendation_id "
            "where r.match_run_id = :r"), {"r": body["recommendationId"]}).scalar()
    assert snapshots == len(body["items"])
    d = client.post(f"/v1/recommendations/{item['id']}/decision", json={"decision": "approve"}, headers=h)
    assert d.status_code == 201 and d.json()["submission"]["consultantId"] == item["consultantId"]


def test_retried_approval_with_idempotency_key_replays_and_creates_one_submission(client, auth, tenant, seed,
                                                                                  admin_engine):
    h = {**auth(tenant), "Idempotency-Key": "approve-once"}
    _, (rec,) = seed.recommendation(seed.requirement(), [seed.consultant()])
    first = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "approve"}, headers=h)
    again = client.post(f"/v1/recommendations/{rec}/decision", json={"decision": "approve"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from crm.submission where tenant_id = :t"),
                            {"t": tenant}).scalar() == 1
    assert len(audit_rows(admin_engine, tenant, action="decide")) == 1


def _raw_skill(seed, table: str, owner: str, owner_id, name: str) -> None:
    """A skill row as an unnormalized tenant has it: the raw name only, no taxonomy id."""
    seed._insert(table, {owner: owner_id, "raw_name": name, "skill_id": None})


def test_unnormalized_skills_rank_with_the_skill_factor_weighted_out_never_a_500(client, auth, tenant, seed,
                                                                                 monkeypatch):
    """Issue 12: a tenant whose skill rows were never normalized (skill_id NULL on both sides) gets
    recommendations in both directions, the skills factor unknown and weighted out by the seed formula. (A trained
    model explains an unknown factor by what its missingness contributed; which model serves depends on what
    earlier tests registered, so this test pins the seed formula.)"""
    monkeypatch.setattr(client.app.state, "models", None)
    h = auth(tenant)
    req = seed.requirement(title="Senior Java Developer", description="Java, Spring Boot, AWS", state="TX")
    for name in ("Java", "Spring Boot"):
        _raw_skill(seed, "requirement_skill", "requirement_id", req, name)
    consultants = [seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                                   state="TX", status="bench") for i in range(3)]
    for c in consultants:
        _raw_skill(seed, "consultant_skill", "consultant_id", c, "Java")
    for path in (f"/v1/requirements/{req}/recommendations", f"/v1/consultants/{consultants[0]}/recommendations"):
        r = client.post(path, params={"topK": 5}, json={"explain": True}, headers=h)
        assert r.status_code == 200, (path, r.text)
        items = r.json()["items"]
        assert items, path
        for item in items:
            skills = item["factors"]["skills"]
            assert skills["status"] == "unknown" and skills["weight"] == 0 and skills["contribution"] == 0, skills
            assert 0 <= item["matchScore"] <= 1


def test_every_recommendation_request_leaves_its_rows_its_audit_row_and_its_event(client, auth, tenant, seed,
                                                                                   admin_engine):
    """The run, its items, the queued snapshots, the audit row and the outbox event are one statement
    (docs/adr/0026): after N requests there are N of each, each naming its run, and the decision on a
    just-returned item finds its row."""
    h = auth(tenant)
    req = seed.requirement(title="Java Developer", description="Java Spring", state="TX")
    for i in range(4):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring", state="TX")
    bodies = []
    for _ in range(3):
        r = client.post(f"/v1/requirements/{req}/recommendations", params={"topK": 3}, json={"explain": True},
                        headers=h)
        assert r.status_code == 200, r.text
        bodies.append(r.json())
    runs = {b["recommendationId"] for b in bodies}
    assert len(runs) == 3
    assert {str(a["entity_id"]) for a in audit_rows(admin_engine, tenant, action="recommend")} == runs
    events = [e for e in outbox_rows(admin_engine, tenant) if e["event_type"] == "recommendations.generated"]
    assert {e["payload"]["recommendationId"] for e in events} == runs and len(events) == 3
    with admin_engine.connect() as conn:
        stored = conn.execute(sa.text(
            "select match_run_id::text, count(*) from crm.recommendation where tenant_id = :t group by 1"),
            {"t": tenant}).all()
        queued = conn.execute(sa.text("select match_run_id::text from crm.feature_snapshot_pending "
                                      "where tenant_id = :t"), {"t": tenant}).scalars().all()
    assert dict(stored) == {b["recommendationId"]: len(b["items"]) for b in bodies} and set(queued) == runs
    for body in bodies:  # what was answered is what was stored
        got = client.get(f"/v1/recommendations/{body['recommendationId']}", headers=h).json()
        assert [(i["id"], i["consultantId"], i["rank"], i["matchScore"], i["reasons"]) for i in got["items"]] == [
            (i["id"], i["consultantId"], i["rank"], i["matchScore"], i["reasons"]) for i in body["items"]]
    d = client.post(f"/v1/recommendations/{bodies[-1]['items'][0]['id']}/decision",
                    json={"decision": "reject", "reason": "rate too high"}, headers=h)
    assert d.status_code == 200, d.text


def test_a_missing_anchor_is_404_with_and_without_an_idempotency_key(client, auth, tenant):
    h = auth(tenant)
    for path in (f"/v1/requirements/{uuid.uuid4()}/recommendations", f"/v1/consultants/{uuid.uuid4()}/recommendations"):
        for extra in ({}, {"Idempotency-Key": f"k-{uuid.uuid4()}"}):
            r = client.post(path, json={"explain": True}, headers={**h, **extra})
            assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), r.text


def test_the_api_ranks_the_same_before_and_after_its_text_index_holds_the_words(client, auth, tenant, seed):
    """The first request with new words is answered by the database while the API's text index reads their postings
    in the background (docs/adr/0032); once it holds them, the same request ranks the same candidates from memory."""
    h = auth(tenant)
    req = seed.requirement(title="Guidewire PolicyCenter Developer", description="Guidewire, Gosu, Java",
                           state="TX", city="Dallas")
    for i in range(4):
        seed.consultant(full_name=f"Gw {i}", title="Guidewire Developer", summary=f"Guidewire Gosu Java {i}",
                        years_experience=6 + i, state="TX", city="Dallas")
    index = client.app.state.text_index
    misses = index.misses

    def ranked() -> list[tuple[str, float]]:
        r = client.post(f"/v1/requirements/{req}/recommendations?topK=4", json={"explain": False}, headers=h)
        assert r.status_code == 200, r.text
        return [(i["consultantId"], i["matchScore"]) for i in r.json()["items"]]

    first = ranked()
    assert index.misses > misses and first  # the words were new: the database answered
    index.wait_idle(timeout=60)
    hits = index.hits
    assert ranked() == first
    assert index.hits > hits  # this time from the index


def test_one_process_ranks_at_most_ranking_concurrency_requests_at_once(client, app, auth, tenant, seed,
                                                                        monkeypatch):
    """More recommendation requests than slots: all answered, never more rankings at once than the setting (the
    others wait their turn instead of competing for the interpreter), and the thread switch interval is the
    setting's."""
    import sys
    import threading

    from ml.matching import service

    limit = app.state.settings.ranking_concurrency
    assert limit >= 2 and sys.getswitchinterval() == pytest.approx(app.state.settings.api_switch_interval_ms / 1000)
    req = seed.requirement(title="Java Developer", description="Java, Spring Boot", state="TX", city="Dallas")
    seed.consultant(full_name="Dev", title="Java Developer", summary="Java Spring Boot", state="TX", city="Dallas")
    lock, active, peak, hold = threading.Lock(), [0], [0], threading.Event()
    original = service.recommend

    def counted(*args, **kwargs):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            hold.wait(0.3)  # holds its slot a while, so requests without one would pile up in here
            return original(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(service, "recommend", counted)
    h = auth(tenant)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(client.post(
        f"/v1/requirements/{req}/recommendations", json={"explain": True}, headers=h).status_code))
        for _ in range(limit + 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * (limit + 3)
    assert peak[0] == limit
