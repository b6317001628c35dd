"""Retention per tenant as a Dagster asset: old raw emails, never-placed consultants and quarantine rows go by
each tenant's policy (defaults otherwise), nothing of another tenant or of a placed consultant goes, and every
batch leaves an audit row. Materialized twice: the second run deletes nothing."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from orchestration.defs.governance.assets import retention_sweep
from orchestration.defs.resources import PostgresResource
from warehouse.retention import DEFAULT_MONTHS


def _message(conn, tenant, days_ago: int) -> uuid.UUID:
    raw = uuid.uuid4().bytes
    return conn.execute(sa.text(
        "insert into crm.inbound_message (tenant_id, source, message_id, raw, received_at, content_hash) "
        "values (:t, 'api', :mid, :raw, :at, :h) returning id"),
        {"t": tenant, "mid": f"<{uuid.uuid4()}@x>", "raw": raw, "at": datetime.now(UTC) - timedelta(days=days_ago),
         "h": hashlib.sha256(raw).hexdigest()}).scalar_one()


def _consultant(conn, tenant, years_idle: float, *, placed: bool = False) -> uuid.UUID:
    cid = conn.execute(sa.text(
        "insert into crm.consultant (tenant_id, full_name, status, updated_at) values "
        "(:t, 'Idle Person', :s, now() - make_interval(days => :d)) returning id"),
        {"t": tenant, "s": "placed" if placed else "bench", "d": int(years_idle * 365)}).scalar_one()
    if placed:
        req = conn.execute(sa.text("insert into crm.requirement (tenant_id, title) values (:t, 'Job') returning id"),
                           {"t": tenant}).scalar_one()
        sub = conn.execute(sa.text(
            "insert into crm.submission (tenant_id, consultant_id, requirement_id, status) "
            "values (:t, :c, :r, 'placed') returning id"), {"t": tenant, "c": cid, "r": req}).scalar_one()
        conn.execute(sa.text(
            "insert into crm.placement (tenant_id, submission_id, consultant_id, requirement_id, start_date) "
            "values (:t, :s, :c, :r, current_date - 1000)"), {"t": tenant, "s": sub, "c": cid, "r": req})
    return cid


def _exists(conn, table: str, row_id: uuid.UUID) -> bool:
    return conn.execute(sa.text(f"select 1 from crm.{table} where id = :id"), {"id": row_id}).scalar() is not None


def test_retention_sweeps_each_tenant_by_its_policy_and_audits_every_batch(admin_engine, make_tenant):
    strict, lenient = make_tenant(), make_tenant()
    with admin_engine.begin() as conn:
        conn.execute(sa.text("insert into crm.retention_policy (tenant_id, kind, months) values "
                             "(:t, 'raw_email', 1), (:t, 'unplaced_resume', 12)"), {"t": strict})
        old_mail, new_mail = _message(conn, strict, 90), _message(conn, strict, 1)
        others_mail = _message(conn, lenient, 90)
        idle, placed, recent = (_consultant(conn, strict, 2), _consultant(conn, strict, 2, placed=True),
                                _consultant(conn, strict, 0.1))
        others_idle = _consultant(conn, lenient, 2)
        old_q = conn.execute(sa.text(
            "insert into crm.quarantine (tenant_id, source, reason, created_at) "
            "values (:t, 'api', 'x', now() - interval '1 year') returning id"), {"t": strict}).scalar_one()

    first = dg.materialize([retention_sweep], resources={"postgres": PostgresResource()})
    assert first.success
    with admin_engine.connect() as conn:
        assert not _exists(conn, "inbound_message", old_mail) and _exists(conn, "inbound_message", new_mail)
        assert _exists(conn, "inbound_message", others_mail)  # 90 days is within the default 24 months
        assert not _exists(conn, "consultant", idle)
        assert _exists(conn, "consultant", placed) and _exists(conn, "consultant", recent)
        assert _exists(conn, "consultant", others_idle)  # 2 years is within the default 36 months
        assert not _exists(conn, "quarantine", old_q)
        runs = conn.execute(sa.text(
            "select kind, months, deleted, run_id from crm.retention_run where tenant_id = :t order by ran_at, kind"),
            {"t": strict}).all()
    assert {(r.kind, r.months, r.deleted) for r in runs} == {
        ("raw_email", 1, 1), ("unplaced_resume", 12, 1), ("quarantine", DEFAULT_MONTHS["quarantine"], 1)}
    assert {r.run_id for r in runs} == {first.run_id}

    second = dg.materialize([retention_sweep], resources={"postgres": PostgresResource()})
    assert second.success
    with admin_engine.connect() as conn:
        again = conn.execute(sa.text("select sum(deleted) from crm.retention_run where tenant_id = :t "
                                     "and run_id = :r"), {"t": strict, "r": second.run_id}).scalar()
    assert again == 0
