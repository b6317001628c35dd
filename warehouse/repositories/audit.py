"""The audit trail: one crm.audit_log row per mutation and per AI/recommendation call."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warehouse.ids import time_ordered_uuid
from warehouse.repositories.together import Insert


def content_hash(value: Any) -> str | None:
    """sha256 of the canonical JSON of `value` (None stays None): proves what changed without storing PII."""
    if value is None:
        return None
    canonical = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


AUDIT_INSERT = (
    "insert into crm.audit_log (id, tenant_id, actor_id, actor_type, action, entity, entity_id, before_hash, "
    "after_hash, model_version, prompt_fingerprint, request_id, client_request_id, payload) values (:audit_id, "
    ":audit_tenant, :audit_actor, :audit_actor_type, :audit_action, :audit_entity, :audit_entity_id, "
    ":audit_before_hash, :audit_after_hash, :audit_model_version, :audit_prompt_fingerprint, :audit_request_id, "
    ":audit_client_request_id, cast(:audit_payload as jsonb))")


def audit_row(*, tenant_id: uuid.UUID, actor_id: uuid.UUID | None, actor_type: str, action: str, entity: str,
              entity_id: uuid.UUID | None, before: Any = None, after: Any = None, model_version: str | None = None,
              prompt_fingerprint: str | None = None, request_id: str | None = None,
              client_request_id: str | None = None, payload: dict[str, Any] | None = None) -> Insert:
    """The audit row as an insert that may ride in another statement (`warehouse.repositories.together`).
    `request_id` is the server's own id; `client_request_id` the caller's X-Request-ID, already validated."""
    return Insert(AUDIT_INSERT, {
        "audit_id": time_ordered_uuid(), "audit_tenant": tenant_id, "audit_actor": actor_id,
        "audit_actor_type": actor_type, "audit_action": action, "audit_entity": entity, "audit_entity_id": entity_id,
        "audit_before_hash": content_hash(before), "audit_after_hash": content_hash(after),
        "audit_model_version": model_version, "audit_prompt_fingerprint": prompt_fingerprint,
        "audit_request_id": request_id, "audit_client_request_id": client_request_id,
        "audit_payload": json.dumps(payload or {}, default=str)})


def write_audit(conn: sa.Connection, **row: Any) -> uuid.UUID:
    """Write one audit row (the arguments of `audit_row`); its id."""
    insert = audit_row(**row)
    conn.execute(sa.text(insert.sql), insert.params)
    return insert.params["audit_id"]


AUDIT_COLUMNS = ("id, actor_id, actor_type, action, entity, entity_id, before_hash, after_hash, model_version, "
                 "prompt_fingerprint, request_id, client_request_id, payload, created_at")


def list_audit(conn: sa.Connection, *, entity: str | None, entity_id: uuid.UUID | None, action: str | None,
               actor_id: uuid.UUID | None, since: datetime | None, until: datetime | None,
               after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[dict[str, Any]]:
    where, params = ["true"], {"limit": limit}
    for column, value in (("entity", entity), ("entity_id", entity_id), ("action", action),
                          ("actor_id", actor_id)):
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    if since is not None:
        where.append("created_at >= :since")
        params["since"] = since
    if until is not None:
        where.append("created_at < :until")
        params["until"] = until
    if after is not None:
        where.append("(created_at, id) < (:c_at, :c_id)")
        params["c_at"], params["c_id"] = after
    return [dict(r) for r in conn.execute(sa.text(
        f"select {AUDIT_COLUMNS} from crm.audit_log where {' and '.join(where)} "
        "order by created_at desc, id desc limit :limit"), params).mappings()]
