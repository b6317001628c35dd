"""Application-level encryption of contact data: ciphertext at rest, plaintext through the API, lookups through
the blind index, plaintext rows sealed by `reseal`, and key rotation that re-encrypts every row."""

from __future__ import annotations

import base64
import os
import stat
import uuid

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from warehouse.crypto import Keyring, KeyringError, generate_key, get_keyring, load_keyring
from warehouse.settings import Settings

EMAIL, PHONE = "Ana.Souza@Example.com", "+1 (214) 555-0199"


def _ring(*kids: str) -> Keyring:
    return Keyring({k: os.urandom(32) for k in kids}, os.urandom(32))


def test_a_sealed_value_opens_only_with_its_key_and_context():
    ring = _ring("k2", "k1")
    sealed = ring.encrypt(EMAIL, "crm.consultant.email")
    assert sealed.startswith("bc1:k2:") and EMAIL not in sealed
    assert ring.encrypt(EMAIL, "crm.consultant.email") != sealed  # random nonce: equal values do not show
    assert ring.decrypt(sealed, "crm.consultant.email") == EMAIL
    with pytest.raises(InvalidTag):
        ring.decrypt(sealed, "crm.contact.email")  # moved to another column: refused
    with pytest.raises(KeyringError):
        _ring("k3").decrypt(sealed, "crm.consultant.email")
    assert ring.decrypt("plain@example.com", "crm.consultant.email") == "plain@example.com"


def test_the_blind_index_normalizes_and_is_keyed():
    ring = _ring("k1")
    assert ring.blind_index(EMAIL, "email") == ring.blind_index(" ana.souza@example.COM ", "email")
    assert ring.blind_index(PHONE, "phone") == ring.blind_index("214-555-0199".join(["+1 ", ""]), "phone")
    assert ring.blind_index(EMAIL, "email") != _ring("k1").blind_index(EMAIL, "email")
    assert ring.blind_index(None, "email") is None


def test_the_embedded_key_file_is_generated_private(tmp_path):
    settings = Settings(data_dir=tmp_path)
    ring = load_keyring(settings)
    path = tmp_path / "keys" / "data-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(settings).keys == ring.keys  # generated once, then read


def test_keys_from_the_environment_take_precedence(tmp_path):
    k_new, k_old, index = generate_key(), generate_key(), generate_key()
    settings = Settings(data_dir=tmp_path, data_keys=SecretStr(f"v2:{k_new},v1:{k_old}"),
                        data_index_key=SecretStr(index))
    ring = load_keyring(settings)
    assert ring.current_id == "v2" and list(ring.keys) == ["v2", "v1"]
    assert ring.keys["v1"] == base64.urlsafe_b64decode(k_old)
    assert not (tmp_path / "keys").exists()
    with pytest.raises(KeyringError):
        load_keyring(Settings(data_dir=tmp_path, data_keys=SecretStr(f"v2:{k_new}")))


def _stored(admin_engine, table: str, row_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(conn.execute(sa.text(f"select email, phone, email_bidx, phone_bidx from crm.{table} "
                                         "where id = :id"), {"id": row_id}).mappings().one())


def test_the_api_stores_ciphertext_and_answers_plaintext(client, auth, tenant, admin_engine, settings):
    h = auth(tenant, "Admin")
    cid = client.post("/v1/consultants", json={"fullName": "Ana Souza", "email": EMAIL, "phone": PHONE},
                      headers=h).json()["id"]
    stored = _stored(admin_engine, "consultant", cid)
    assert stored["email"].startswith("bc1:") and "Souza" not in stored["email"] and "555" not in stored["phone"]
    ring = get_keyring(settings)
    assert stored["email_bidx"] == ring.blind_index(EMAIL, "email")
    body = client.get(f"/v1/consultants/{cid}", headers=h).json()
    assert (body["email"], body["phone"]) == (EMAIL, PHONE)
    patched = client.patch(f"/v1/consultants/{cid}", json={"phone": "+1 312 555 0100"}, headers=h).json()
    assert patched["phone"] == "+1 312 555 0100"
    assert _stored(admin_engine, "consultant", cid)["phone_bidx"] == ring.blind_index("13125550100", "phone")


def test_a_contact_is_found_by_its_email_through_the_blind_index(client, auth, tenant):
    h = auth(tenant, "Admin")
    company = client.post("/v1/companies", json={"name": "Prime Vendor", "kind": "vendor"}, headers=h).json()
    contact = client.post("/v1/contacts", json={"companyId": company["id"], "fullName": "Vic Vendor",
                                                "email": "vic@prime.example"}, headers=h).json()["id"]
    found = client.get("/v1/contacts", params={"q": "VIC@prime.example"}, headers=h).json()["data"]
    assert [c["id"] for c in found] == [contact]
    assert client.get("/v1/contacts", params={"q": "Vic Ven"}, headers=h).json()["data"][0]["id"] == contact


def test_resume_import_dedupes_by_email_through_the_blind_index(app_engine, tenant):
    from warehouse.db import tenant_tx
    from warehouse.repositories.consultants import ConsultantFields, find_consultant, insert_consultant

    with tenant_tx(tenant, app_engine) as conn:
        cid = insert_consultant(conn, tenant_id=tenant, fields=ConsultantFields(full_name="Ana", email=EMAIL))
        assert find_consultant(conn, email=EMAIL.upper(), content_hash=None) == cid
        assert find_consultant(conn, email="someone@else.example", content_hash=None) is None


def test_plaintext_rows_are_sealed_by_reseal(admin_engine, client, auth, tenant):
    from warehouse.sealed import reseal

    cid = uuid.uuid4()
    with admin_engine.begin() as conn:  # a bulk load or a row older than encryption
        conn.execute(sa.text("insert into crm.consultant (id, tenant_id, full_name, email, phone) "
                             "values (:id, :t, 'Old Row', 'old@example.com', '214 555 0100')"),
                     {"id": cid, "t": tenant})
    assert client.get(f"/v1/consultants/{cid}", headers=auth(tenant)).json()["email"] == "old@example.com"
    with admin_engine.begin() as conn:
        assert reseal(conn)["consultant"] >= 1
    stored = _stored(admin_engine, "consultant", cid)
    assert stored["email"].startswith("bc1:") and stored["email_bidx"]
    assert client.get(f"/v1/consultants/{cid}", headers=auth(tenant)).json()["phone"] == "214 555 0100"


def test_rotation_re_encrypts_every_row_and_reads_go_on(admin_engine, client, auth, tenant, settings):
    from warehouse.sealed import rotate

    h = auth(tenant, "Admin")
    cid = client.post("/v1/consultants", json={"fullName": "Rot Ation", "email": "rot@example.com"},
                      headers=h).json()["id"]
    before = get_keyring(settings)
    with admin_engine.begin() as conn:
        kid, counts = rotate(conn, settings)
    assert kid != before.current_id and counts["consultant"] >= 1
    with admin_engine.connect() as conn:
        stale = conn.execute(sa.text(
            "select count(*) from crm.consultant where email is not null and email not like :p"),
            {"p": f"bc1:{kid}:%"}).scalar()
    assert stale == 0
    assert _stored(admin_engine, "consultant", cid)["email_bidx"] == before.blind_index("rot@example.com", "email")
    assert client.get(f"/v1/consultants/{cid}", headers=h).json()["email"] == "rot@example.com"

    with admin_engine.begin() as conn:
        kid2, _ = rotate(conn, settings, retire_old=True)
    assert list(get_keyring(settings).keys) == [kid2]
    assert client.get(f"/v1/consultants/{cid}", headers=h).json()["email"] == "rot@example.com"


def test_keys_rotate_command(settings, admin_engine, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.setenv("BENCHCRM_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("current key k")


def test_processes_racing_to_create_the_key_file_end_up_with_one_key(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        rings = list(pool.map(_keys_in, [str(tmp_path)] * 8))
    assert len({tuple(sorted(r.items())) for r in rings}) == 1
    assert list((tmp_path / "keys").iterdir()) == [tmp_path / "keys" / "data-keys.json"]


def _keys_in(data_dir: str) -> dict[str, bytes]:
    return load_keyring(Settings(data_dir=data_dir)).keys
