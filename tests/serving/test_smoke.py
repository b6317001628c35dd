from __future__ import annotations


def test_consultant_create_then_get_roundtrips_in_camel_case(client, auth, tenant):
    h = auth(tenant, "Recruiter")
    r = client.post("/v1/consultants", json={"fullName": "Ana Souza", "hourlyRate": 68, "visaStatus": "H1B"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["fullName"] == "Ana Souza" and body["version"] == 1 and r.headers["etag"] == '"1"'
    g = client.get(f"/v1/consultants/{body['id']}", headers=h)
    assert g.status_code == 200 and g.json()["hourlyRate"] == 68.0
