"""Plausible dates at the API door (issue 13, finding 7): 1970-01-01 .. today + 10 years for what is planned,
not in the future for what already happened; a 422 problem+json names the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from warehouse.dates import date_problem, latest


def _rejected(r, field: str) -> dict:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["detail"].startswith(f"body.{field}: ") and "implausible date" in body["detail"]
    return body


def test_the_absurd_placement_and_interview_of_the_security_review_are_422(client, auth, tenant, seed):
    h = auth(tenant, "Owner")
    sub = seed.submission(seed.consultant(), seed.requirement(), status="offered")
    _rejected(client.post("/v1/placements", json={"submissionId": str(sub), "startDate": "9999-12-31"}, headers=h),
              "startDate")
    _rejected(client.post("/v1/interviews", json={"submissionId": str(sub), "scheduledAt": "9999-12-31T23:59:59Z"},
                          headers=h), "scheduledAt")
    ok = client.post("/v1/placements", json={"submissionId": str(sub), "startDate": "2027-01-04"}, headers=h)
    assert ok.status_code == 201, ok.text
    # PATCH goes through the same bounds
    _rejected(client.patch(f"/v1/placements/{ok.json()['id']}", json={"endDate": "9999-12-31"},
                           headers={**h, "If-Match": '"1"'}), "endDate")


@pytest.mark.parametrize(("path", "field", "value"), [
    ("/v1/consultants", "availableFrom", "1900-01-01"),
    ("/v1/consultants", "availableFrom", "2199-01-01"),
    ("/v1/consultants", "benchSince", (date.today() + timedelta(days=30)).isoformat()),
    ("/v1/requirements", "startDate", "9999-12-31"),
    ("/v1/activities", "occurredAt", (datetime.now(UTC) + timedelta(days=30)).isoformat()),
    ("/v1/activities", "occurredAt", "1969-12-31T23:59:59Z"),
])
def test_implausible_dates_are_422_naming_the_field(client, auth, tenant, path, field, value):
    base = {"/v1/consultants": {"fullName": "Ana"}, "/v1/requirements": {"title": "Java Dev"},
            "/v1/activities": {"kind": "note", "body": "x"}}[path]
    _rejected(client.post(path, json={**base, field: value}, headers=auth(tenant, "Owner")), field)


def test_the_edges_of_the_window_are_accepted(client, auth, tenant):
    h = auth(tenant, "Owner")
    edge = latest("future").isoformat()
    r = client.post("/v1/consultants", json={"fullName": "Ana", "availableFrom": edge, "benchSince": "1970-01-01"},
                    headers=h)
    assert r.status_code == 201, r.text
    assert client.post("/v1/activities", json={"kind": "note", "occurredAt": datetime.now(UTC).isoformat()},
                       headers=h).status_code == 201


def test_date_problem_says_why():
    today = date(2026, 2, 28)
    assert date_problem(date(2036, 2, 28), "future", today=today) is None
    assert date_problem(date(2036, 3, 1), "future", today=today) == "2036-03-01 is outside 1970-01-01..2036-02-28"
    assert date_problem(date(2026, 3, 1), "past", today=today) is None  # one day of slack (time zones)
    assert date_problem(date(2026, 3, 2), "past", today=today) == "2026-03-02 is in the future"
    assert date_problem(datetime(1969, 12, 31, 23, tzinfo=UTC), "past", today=today) is not None
    assert date_problem(date(2028, 2, 29), "future", today=date(2028, 2, 29)) is None  # leap day + 10 years
