"""The audit trail: one crm.audit_log row per mutation and per AI/recommendation call."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa


def content_hash(value: Any) -> str | None:
    """sha256 of the canonical JSON of `value` (None stays None): proves what changed without storing PII."""
    if value is None:
        return None
    canonical = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_audit(conn: sa.Connection, *, tenant_id: uuid.UUID, actor_id: uuid.UUID | None, actor_type: str,
                action: str, entity: str, entity_id: uuid.UUID | None, before: Any = None, after: Any = None,
                model_version: str | None = None, prompt_fingerprint: str | None = None,
                request_id: str | None = None, client_request_id: str | None = None,
                payload: dict[str, Any] | None = None) -> uuid.UUID:
    """`request_id` is the server's own id; `client_request_id` the caller's X-Request-ID, already validated."""
    audit_id = uuid.uuid4()
    conn.execute(sa.text(
        "insert into crm.audit_log (id, tenant_id, actor_id, actor_type, action, entity, entity_id, before_hash, "
        "after_hash, model_version, prompt_fingerprint, request_id, client_request_id, payload) values (:id, :t, "
        ":actor, :atype, :action, :entity, :eid, :bh, :ah, :mv, :pf, :rid, :crid, cast(:payload as jsonb))"), {
        "id": audit_id, "t": tenant_id, "actor": actor_id, "atype": actor_type, "action": action,
        "entity": entity, "eid": entity_id, "bh": content_hash(before), "ah": content_hash(after),
        "mv": model_version, "pf": prompt_fingerprint, "rid": request_id, "crid": client_request_id,
        "payload": json.dumps(payload or {}, default=str)})
    return audit_id


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
