"""Row factories. `populate_every_tenant_table` writes one row into every tenant table, for isolation tests."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from warehouse.db import set_tenant


def _insert(conn: sa.Connection, table: str, row: dict) -> dict:
    cols = ", ".join(row)
    vals = ", ".join(f":{k}" for k in row)
    conn.execute(sa.text(f"insert into crm.{table} ({cols}) values ({vals})"), row)
    return row


def populate_every_tenant_table(conn: sa.Connection, tenant_id: uuid.UUID) -> dict[str, dict]:
    """One row in each tenant table (the tenant row itself exists already). Returns table -> row."""
    set_tenant(conn, tenant_id)
    t = tenant_id
    now = datetime.now(UTC)
    ids = {name: uuid.uuid4() for name in (
        "user", "client", "vendor", "contact", "consultant", "requirement", "message", "run", "rec",
        "submission", "tag", "endpoint", "event")}
    rows: dict[str, dict] = {}
    rows["app_user"] = _insert(conn, "app_user", {
        "id": ids["user"], "tenant_id": t, "email": f"r-{t.hex[:6]}@example.com", "full_name": "Rita Recruiter",
        "role_name": "Recruiter"})
    rows["audit_log"] = _insert(conn, "audit_log", {
        "id": uuid.uuid4(), "tenant_id": t, "action": "create", "entity": "consultant"})
    rows["company"] = _insert(conn, "company", {
        "id": ids["client"], "tenant_id": t, "name": "Acme Bank", "kind": "client", "external_id": "C-1"})
    _insert(conn, "company", {"id": ids["vendor"], "tenant_id": t, "name": "Prime Vendor Inc", "kind": "vendor"})
    rows["contact"] = _insert(conn, "contact", {
        "id": ids["contact"], "tenant_id": t, "company_id": ids["vendor"], "full_name": "Vic Vendor"})
    rows["consultant"] = _insert(conn, "consultant", {
        "id": ids["consultant"], "tenant_id": t, "full_name": "Ana Dev", "title": "Java Developer",
        "external_id": "K-1"})
    rows["consultant_skill"] = _insert(conn, "consultant_skill", {
        "id": uuid.uuid4(), "tenant_id": t, "consultant_id": ids["consultant"], "raw_name": "Java"})
    rows["availability"] = _insert(conn, "availability", {
        "id": uuid.uuid4(), "tenant_id": t, "consultant_id": ids["consultant"], "available_from": date.today()})
    rows["rate_card"] = _insert(conn, "rate_card", {
        "id": uuid.uuid4(), "tenant_id": t, "consultant_id": ids["consultant"], "employment_type": "C2C",
        "hourly_rate": 60})
    rows["inbound_message"] = _insert(conn, "inbound_message", {
        "id": ids["message"], "tenant_id": t, "source": "api", "message_id": f"<{uuid.uuid4()}@x>",
        "raw": b"Subject: hi\n\nbody", "received_at": now, "content_hash": hashlib.sha256(b"x").hexdigest()})
    rows["quarantine"] = _insert(conn, "quarantine", {
        "id": uuid.uuid4(), "tenant_id": t, "source": "api", "reason": "empty_body"})
    rows["requirement"] = _insert(conn, "requirement", {
        "id": ids["requirement"], "tenant_id": t, "title": "Java Developer", "external_id": "R-1",
        "client_company_id": ids["client"]})
    rows["requirement_skill"] = _insert(conn, "requirement_skill", {
        "id": uuid.uuid4(), "tenant_id": t, "requirement_id": ids["requirement"], "raw_name": "Java"})
    rows["requirement_source"] = _insert(conn, "requirement_source", {
        "id": uuid.uuid4(), "tenant_id": t, "requirement_id": ids["requirement"], "message_id": ids["message"],
        "received_at": now})
    rows["embedding"] = _insert(conn, "embedding", {
        "id": uuid.uuid4(), "tenant_id": t, "entity_type": "consultant", "entity_id": ids["consultant"],
        "model": active_model_name(), "dims": 384, "vector": "[" + ",".join(["0.1"] * 384) + "]",
        "content_hash": "h"})
    rows["match_run"] = _insert(conn, "match_run", {
        "id": ids["run"], "tenant_id": t, "kind": "api", "direction": "requirement_to_consultants",
        "anchor_id": ids["requirement"], "model_version": "seed-formula-v2"})
    rows["recommendation"] = _insert(conn, "recommendation", {
        "id": ids["rec"], "tenant_id": t, "match_run_id": ids["run"], "requirement_id": ids["requirement"],
        "consultant_id": ids["consultant"], "rank": 1, "match_score": 0.8, "model_version": "seed-formula-v2"})
    rows["feature_snapshot"] = _insert(conn, "feature_snapshot", {
        "id": uuid.uuid4(), "tenant_id": t, "recommendation_id": ids["rec"], "requirement_id": ids["requirement"],
        "consultant_id": ids["consultant"], "feature_version": "v1", "features": "{}"})
    rows["feature_snapshot_pending"] = _insert(conn, "feature_snapshot_pending", {
        "tenant_id": t, "match_run_id": ids["run"], "snapshots": "[]"})
    rows["submission"] = _insert(conn, "submission", {
        "id": ids["submission"], "tenant_id": t, "consultant_id": ids["consultant"],
        "requirement_id": ids["requirement"], "status": "submitted"})
    rows["interview"] = _insert(conn, "interview", {
        "id": uuid.uuid4(), "tenant_id": t, "submission_id": ids["submission"], "scheduled_at": now})
    rows["offer"] = _insert(conn, "offer", {
        "id": uuid.uuid4(), "tenant_id": t, "submission_id": ids["submission"], "offered_at": now})
    rows["placement"] = _insert(conn, "placement", {
        "id": uuid.uuid4(), "tenant_id": t, "submission_id": ids["submission"], "consultant_id": ids["consultant"],
        "requirement_id": ids["requirement"], "start_date": date.today()})
    rows["activity"] = _insert(conn, "activity", {
        "id": uuid.uuid4(), "tenant_id": t, "kind": "note", "body": "called"})
    rows["attachment"] = _insert(conn, "attachment", {
        "id": uuid.uuid4(), "tenant_id": t, "entity_type": "consultant", "entity_id": ids["consultant"],
        "filename": "cv.txt", "content_type": "text/plain", "size_bytes": 3, "sha256": "abc"})
    rows["tag"] = _insert(conn, "tag", {"id": ids["tag"], "tenant_id": t, "name": "hot"})
    rows["entity_tag"] = _insert(conn, "entity_tag", {
        "tenant_id": t, "tag_id": ids["tag"], "entity_type": "consultant", "entity_id": ids["consultant"]})
    rows["integration_account"] = _insert(conn, "integration_account", {
        "id": uuid.uuid4(), "tenant_id": t, "provider": "imap", "name": "inbox"})
    rows["import_job"] = _insert(conn, "import_job", {"id": uuid.uuid4(), "tenant_id": t, "source": "folder"})
    rows["outbox"] = _insert(conn, "outbox", {
        "tenant_id": t, "event_id": ids["event"], "event_type": "consultant.created",
        "aggregate_type": "consultant", "payload": "{}"})
    rows["webhook_endpoint"] = _insert(conn, "webhook_endpoint", {
        "id": ids["endpoint"], "tenant_id": t, "url": "http://127.0.0.1:9/hook", "secret": "s"})
    rows["webhook_event"] = _insert(conn, "webhook_event", {
        "id": uuid.uuid4(), "tenant_id": t, "endpoint_id": ids["endpoint"], "outbox_event_id": ids["event"]})
    rows["idempotency_key"] = _insert(conn, "idempotency_key", {
        "tenant_id": t, "key": "k1", "method": "POST", "path": "/v1/x", "request_hash": "h", "status_code": 201})
    rows["ai_call"] = _insert(conn, "ai_call", {
        "id": uuid.uuid4(), "tenant_id": t, "provider": "offline", "model": "gazetteer", "purpose": "extract",
        "input_hash": "h", "status": "ok"})
    rows["ai_cache"] = _insert(conn, "ai_cache", {
        "tenant_id": t, "input_hash": "h", "provider": "offline", "output": "{}"})
    rows["privacy_request"] = _insert(conn, "privacy_request", {
        "id": uuid.uuid4(), "tenant_id": t, "action": "export", "subject_hash": "h"})
    rows["retention_policy"] = _insert(conn, "retention_policy", {"tenant_id": t, "kind": "raw_email", "months": 24})
    rows["retention_run"] = _insert(conn, "retention_run", {
        "id": uuid.uuid4(), "tenant_id": t, "kind": "raw_email", "months": 24, "cutoff": now, "deleted": 0})
    return rows
