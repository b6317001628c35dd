"""Retention: personal data a tenant no longer needs is deleted after a period, per tenant, with an audit trail.

Kinds and their default periods (months) are below; a tenant overrides them in crm.retention_policy. Each run
deletes, per tenant and kind, what is older than the cutoff and writes one crm.retention_run row per batch
(tenant, kind, period, cutoff, rows deleted, the orchestrator's run id) — counts only, never the data.

- `raw_email`: inbound emails received before the cutoff (the requirements extracted from them stay; their
  provenance rows lose the message link) and the quarantine rows of those emails.
- `unplaced_resume`: consultants never placed (no placement, status not `placed`) whose record has not changed and
  who have not been submitted since the cutoff — their record and everything hanging off it, as an erasure.
- `quarantine`: quarantined inputs (raw emails and resumes that could not be parsed) older than the cutoff.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from warehouse.db import set_tenant
from warehouse.repositories import people

DEFAULT_MONTHS: dict[str, int] = {"raw_email": 24, "unplaced_resume": 36, "quarantine": 6}


@dataclass(frozen=True)
class RetentionBatch:
    tenant_id: uuid.UUID
    kind: str
    months: int
    cutoff: datetime
    deleted: int


def tenant_policies(conn: sa.Connection) -> dict[str, int]:
    """The current tenant's periods: the defaults, overridden by its crm.retention_policy rows."""
    rows = conn.execute(sa.text("select kind, months from crm.retention_policy")).all()
    return DEFAULT_MONTHS | {kind: months for kind, months in rows}


def _raw_emails(conn: sa.Connection, cutoff: datetime) -> int:
    old = "select id from crm.inbound_message where received_at < :cutoff"
    conn.execute(sa.text(f"delete from crm.quarantine where message_id in ({old})"), {"cutoff": cutoff})
    return conn.execute(sa.text("delete from crm.inbound_message where received_at < :cutoff"),
                        {"cutoff": cutoff}).rowcount


def _unplaced_resumes(conn: sa.Connection, cutoff: datetime) -> int:
    ids = list(conn.execute(sa.text(
        "select c.id from crm.consultant c where c.status <> 'placed' and c.updated_at < :cutoff "
        "and not exists (select 1 from crm.placement p where p.consultant_id = c.id) "
        "and not exists (select 1 from crm.submission s where s.consultant_id = c.id "
        "                and greatest(s.created_at, s.updated_at) >= :cutoff)"), {"cutoff": cutoff}).scalars())
    if ids:
        people.erase(conn, people.Person(email="", consultant_ids=ids))
    return len(ids)


def _quarantine(conn: sa.Connection, cutoff: datetime) -> int:
    return conn.execute(sa.text("delete from crm.quarantine where created_at < :cutoff"),
                        {"cutoff": cutoff}).rowcount


_SWEEPS = {"raw_email": _raw_emails, "unplaced_resume": _unplaced_resumes, "quarantine": _quarantine}


def apply_retention(conn: sa.Connection, tenant_id: uuid.UUID, *, now: datetime | None = None,
                    run_id: str | None = None) -> list[RetentionBatch]:
    """One tenant's sweep in the caller's transaction. `conn` must be the application role's: the statements
    name no tenant, row-level security bounds them to the one set here."""
    now = now or datetime.now(UTC)
    set_tenant(conn, tenant_id)
    batches = []
    for kind, months in tenant_policies(conn).items():
        cutoff = now - relativedelta(months=months)
        deleted = _SWEEPS[kind](conn, cutoff)
        conn.execute(sa.text(
            "insert into crm.retention_run (tenant_id, kind, months, cutoff, deleted, run_id) "
            "values (:t, :k, :m, :c, :d, :r)"),
            {"t": tenant_id, "k": kind, "m": months, "c": cutoff, "d": deleted, "r": run_id})
        batches.append(RetentionBatch(tenant_id, kind, months, cutoff, deleted))
    return batches


def apply_retention_everywhere(admin_engine: sa.Engine, app_engine: sa.Engine, *, now: datetime | None = None,
                               run_id: str | None = None) -> list[RetentionBatch]:
    """Every tenant (listed as the owner), each swept as the application role in its own transaction, so a
    failure in one tenant leaves the others' sweeps committed and no statement can reach across tenants."""
    with admin_engine.connect() as conn:
        tenants = list(conn.execute(sa.text("select id from crm.tenant order by slug")).scalars())
    batches: list[RetentionBatch] = []
    for tenant_id in tenants:
        with app_engine.begin() as conn:
            batches += apply_retention(conn, tenant_id, now=now, run_id=run_id)
    return batches
