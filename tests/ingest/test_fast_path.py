"""The fast path (what the API calls) and the assets share tables and hashes: after an API import the assets only
reconcile, and an IMAP/folder copy of the same message is a no-op."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ml.ingest.service import import_message, import_resume
from orchestration.defs.ingest import assets as a
from orchestration.defs.ingest.resources import InboxResource
from orchestration.defs.resources import PostgresResource
from orchestration.lib.partitions import materialize_for_tenant
from tests.ingest_support import FakeEmbedderResource, materialization_metadata, resume_txt, vendor_email
from warehouse.repositories.quarantine import get_quarantine_raw, list_quarantine


def test_api_import_is_embedded_at_once_and_assets_find_nothing_left_to_do(
        make_tenant, admin_engine, app_engine, tmp_path):
    from warehouse.db import tenant_tx
    from warehouse.repositories.tenants import tenant_id_for

    slug = f"fast-{uuid.uuid4().hex[:10]}"
    make_tenant(slug)
    with admin_engine.connect() as conn:
        tenant = tenant_id_for(conn, slug)
    embedder = FakeEmbedderResource().encoder()
    raw = vendor_email(message_id="<fast-1@vendor.example>")
    with tenant_tx(tenant, app_engine) as conn:
        outcome = import_message(conn, tenant_id=tenant, raw=raw, embedder=embedder)
        resume = import_resume(conn, tenant_id=tenant, filename="priya.txt", data=resume_txt(),
                               content_type="text/plain", embedder=embedder)
    assert outcome.status == "parsed" and outcome.embedded and outcome.timings["total"] > 0
    assert resume.status == "created" and resume.embedded
    with tenant_tx(tenant, app_engine) as conn:  # queryable, embedded, in another transaction
        assert conn.execute(sa.text(
            "select count(*) from crm.requirement r join crm.embedding e on e.entity_id = r.id "
            "where r.id = :id"), {"id": outcome.requirement_id}).scalar_one() == 1

    # The same message also arrives in the folder drop; the assets reconcile and change nothing.
    inbox = tmp_path / "inbox"
    (inbox / slug).mkdir(parents=True)
    (inbox / slug / "same.eml").write_bytes(raw)
    result = materialize_for_tenant(a.INGEST_ASSETS, tenant=slug, resources={
        "postgres": PostgresResource(), "inbox": InboxResource(folder=str(inbox)),
        "ingest_embedder": FakeEmbedderResource()})
    meta = materialization_metadata(result)
    assert meta["raw_emails"]["already_known"].value == 1 and meta["raw_emails"]["new_messages"].value == 0
    assert meta["parsed_requirements"]["messages_processed"].value == 0
    assert meta["requirement_embeddings"]["embedded"].value == 0
    assert meta["consultant_embeddings"]["embedded"].value == 0


def test_quarantine_is_listed_with_reason_and_raw_for_the_api(tx, tenant, embedder):
    with tx() as conn:
        out = import_message(conn, tenant_id=tenant, raw=b"\x00\xff" * 100, embedder=embedder)
        rows = list_quarantine(conn, limit=10)
        raw = get_quarantine_raw(conn, quarantine_id=rows[0].id)
    assert out.status == "quarantined"
    assert len(rows) == 1 and rows[0].reason == out.reason and rows[0].source == "api"
    assert rows[0].raw_size == 200 and raw == b"\x00\xff" * 100
    assert "\x00" not in rows[0].raw_preview
