"""The submission state machine and the unique (tenant, consultant, requirement) submission."""

from __future__ import annotations

import pytest

from serving.services.submissions import TRANSITIONS
from tests.serving.support import outbox_rows

STATES = list(TRANSITIONS)


@pytest.fixture
def new_submission(client, auth, tenant, seed):
    h = auth(tenant)

    def _make() -> str:
        body = {"consultantId": str(seed.consultant()), "requirementId": str(seed.requirement())}
        r = client.post("/v1/submissions", json=body, headers=h)
        assert r.status_code == 201 and r.json()["status"] == "draft"
        return r.json()["id"]

    return _make


def _move(client, h, sid, status):
    return client.patch(f"/v1/submissions/{sid}", json={"status": status}, headers=h)


def test_happy_path_draft_to_placed_stamps_submitted_and_closed(client, auth, tenant, new_submission):
    h = auth(tenant)
    sid = new_submission()
    for status in ("submitted", "interviewing", "offered", "placed"):
        r = _move(client, h, sid, status)
        assert r.status_code == 200 and r.json()["status"] == status, r.text
    final = client.get(f"/v1/submissions/{sid}", headers=h).json()
    assert final["submittedAt"] and final["closedAt"] and final["version"] == 5


@pytest.mark.parametrize("start", STATES)
def test_only_listed_transitions_are_allowed_from_each_state(client, auth, tenant, seed, start):
    h = auth(tenant)
    for target in STATES:
        if target == start:
            continue
        sid = seed.submission(seed.consultant(), seed.requirement(), status=start)
        r = _move(client, h, str(sid), target)
        if target in TRANSITIONS[start]:
            assert r.status_code == 200, (start, target, r.text)
        else:
            assert r.status_code == 409, (start, target, r.text)
            body = r.json()
            assert body["type"].endswith("/invalid-transition") and body["currentStatus"] == start
            assert body["allowed"] == sorted(TRANSITIONS[start])


def test_unknown_status_is_422_and_status_cannot_be_set_on_create(client, auth, tenant, seed, new_submission):
    h = auth(tenant)
    assert _move(client, h, new_submission(), "hired").status_code == 422
    body = {"consultantId": str(seed.consultant()), "requirementId": str(seed.requirement()), "status": "placed"}
    assert client.post("/v1/submissions", json=body, headers=h).status_code == 422


def test_one_submission_per_consultant_and_requirement(client, auth, tenant, seed):
    h = auth(tenant)
    body = {"consultantId": str(seed.consultant()), "requirementId": str(seed.requirement())}
    assert client.post("/v1/submissions", json=body, headers=h).status_code == 201
    r = client.post("/v1/submissions", json=body, headers=h)
    assert r.status_code == 409 and "submission" in r.json()["detail"]


def test_status_change_emits_an_update_event_naming_the_change(client, auth, tenant, new_submission, admin_engine):
    h = auth(tenant)
    sid = new_submission()
    _move(client, h, sid, "submitted")
    events = outbox_rows(admin_engine, tenant)
    last = events[-1]
    assert last["event_type"] == "submission.updated" and "status" in last["payload"]["changed"]
    assert last["payload"]["data"]["status"] == "submitted" and str(last["aggregate_id"]) == sid
