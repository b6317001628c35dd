"""Field-level access by role: ReadOnly and Analyst see contact data (email, phone) of consultants and contacts
masked in every response that carries them; the other roles see it whole."""

from __future__ import annotations

import pytest

EMAIL, PHONE = "ana.souza@example.com", "+1 (214) 555-0199"
MASKED = {"email": "a***@example.com", "phone": "***99"}
ROLES = ["Owner", "Admin", "Recruiter", "Sales", "Analyst", "ReadOnly"]


@pytest.fixture
def people(client, auth, tenant):
    admin = auth(tenant, "Admin")
    consultant = client.post("/v1/consultants", json={"fullName": "Ana Souza", "email": EMAIL, "phone": PHONE},
                             headers=admin).json()["id"]
    company = client.post("/v1/companies", json={"name": "Prime Vendor", "kind": "vendor"}, headers=admin).json()
    contact = client.post("/v1/contacts", json={"companyId": company["id"], "fullName": "Vic Vendor", "email": EMAIL,
                                                "phone": PHONE}, headers=admin).json()["id"]
    return {"consultants": consultant, "contacts": contact}


@pytest.mark.parametrize("role", ROLES)
def test_contact_data_is_masked_for_reading_only_roles(client, auth, tenant, people, role):
    h = auth(tenant, role)
    expected = MASKED if role in ("Analyst", "ReadOnly") else {"email": EMAIL, "phone": PHONE}
    for resource, record_id in people.items():
        one = client.get(f"/v1/{resource}/{record_id}", headers=h)
        assert one.status_code == 200, (role, resource, one.text)
        listed = client.get(f"/v1/{resource}", headers=h).json()["data"]
        for body in (one.json(), next(r for r in listed if r["id"] == record_id)):
            assert {k: body[k] for k in expected} == expected, (role, resource, body)
            assert body["fullName"]  # names stay readable: the mask is for contact data


def test_masked_roles_are_read_only_so_no_write_response_carries_the_data(client, auth, tenant, people):
    for role in ("Analyst", "ReadOnly"):
        r = client.patch(f"/v1/consultants/{people['consultants']}", json={"title": "x"}, headers=auth(tenant, role))
        assert r.status_code == 403


def test_the_mask_comes_from_the_inventory():
    from serving.privacy import masked_fields
    from warehouse.pii import PiiKind

    assert dict(masked_fields("consultant")) == {"email": PiiKind.CONTACT_EMAIL, "phone": PiiKind.CONTACT_PHONE}
    assert dict(masked_fields("contact")) == {"email": PiiKind.CONTACT_EMAIL, "phone": PiiKind.CONTACT_PHONE}
    assert masked_fields("requirement") == ()
