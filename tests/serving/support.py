"""Helpers the API tests share (not fixtures): the token issuer and readers of the audit log and the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

ISSUER = "https://idp.test/realms/benchcrm"


def audit_rows(admin_engine: sa.Engine, tenant_id: uuid.UUID, **where: Any) -> list[dict[str, Any]]:
    clauses = " ".join(f"and {k} = :{k}" for k in where)
    with admin_engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            f"select * from crm.audit_log where tenant_id = :t {clauses} order by created_at"),
            {"t": tenant_id, **where}).mappings()]


def outbox_rows(admin_engine: sa.Engine, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    with admin_engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select * from crm.outbox where tenant_id = :t order by id"), {"t": tenant_id}).mappings()]
