"""Writes to CRM records with their side effects in the same transaction: an audit row and an outbox event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from serving.context import Principal
from serving.errors import ProblemError, not_found
from serving.observability import current_client_request_id
from warehouse.repositories import records
from warehouse.repositories.audit import audit_row
from warehouse.repositories.outbox import event_row
from warehouse.repositories.records import TableSpec, VersionConflict
from warehouse.repositories.together import Insert, insert_together


def change_rows(principal: Principal, *, action: str, entity: str, entity_id: uuid.UUID | None, before: Any,
                after: Any, request_id: str | None, event: dict[str, Any] | None = None,
                model_version: str | None = None, prompt_fingerprint: str | None = None,
                audit_payload: dict[str, Any] | None = None, event_type: str | None = None) -> list[Insert]:
    """The audit row and outbox event (type `<entity>.<action>d`) of one mutation, as inserts that can ride in the
    mutation's own statement (docs/adr/0026)."""
    rows = [audit_row(tenant_id=principal.tenant_id, actor_id=principal.actor_id, actor_type=principal.actor_type,
                      action=action, entity=entity, entity_id=entity_id, before=before, after=after,
                      model_version=model_version, prompt_fingerprint=prompt_fingerprint, request_id=request_id,
                      client_request_id=current_client_request_id.get(), payload=audit_payload)]
    if event is not None:
        past = {"create": "created", "update": "updated", "delete": "deleted", "import": "imported"}.get(action, action)
        rows.append(event_row(tenant_id=principal.tenant_id, event_type=event_type or f"{entity}.{past}",
                              aggregate_type=entity, aggregate_id=entity_id, payload=event))
    return rows


def record_change(conn: Connection, principal: Principal, **change: Any) -> None:
    """Audit row + outbox event for one mutation (the arguments of `change_rows`), in one round trip."""
    insert_together(conn, change_rows(principal, **change))


def precondition_failed(current_version: int) -> ProblemError:
    return ProblemError(412, "precondition-failed", "Precondition Failed",
                        f"the record changed since you read it (current version {current_version})",
                        currentVersion=current_version, headers={"ETag": f'"{current_version}"'})


def create(conn: Connection, principal: Principal, spec: TableSpec, values: dict[str, Any], *,
           to_public, request_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    row = records.insert_row(conn, spec, tenant_id=principal.tenant_id, values=values)
    public = to_public(row)
    record_change(conn, principal, action="create", entity=spec.entity, entity_id=row["id"], before=None,
                  after=public, request_id=request_id, event={"id": str(row["id"]), "data": public})
    return row, public


def update(conn: Connection, principal: Principal, spec: TableSpec, row_id: uuid.UUID, values: dict[str, Any], *,
           expected_version: int | None, to_public, request_id: str | None, before: dict[str, Any]
           ) -> tuple[dict[str, Any], dict[str, Any]]:
    if not values:
        if expected_version is not None and before["version"] != expected_version:
            raise precondition_failed(before["version"])
        return before, to_public(before)
    try:
        row = records.update_row(conn, spec, row_id, values=values, expected_version=expected_version)
    except VersionConflict as exc:
        raise precondition_failed(exc.current_version) from None
    if row is None:
        raise not_found(spec.entity, row_id)
    public = to_public(row)
    record_change(conn, principal, action="update", entity=spec.entity, entity_id=row_id, before=to_public(before),
                  after=public, request_id=request_id, audit_payload={"changed": sorted(values)},
                  event={"id": str(row_id), "changed": sorted(values), "data": public})
    return row, public


def delete(conn: Connection, principal: Principal, spec: TableSpec, row_id: uuid.UUID, *,
           expected_version: int | None, to_public, request_id: str | None) -> None:
    try:
        before = records.soft_delete_row(conn, spec, row_id, expected_version=expected_version)
    except VersionConflict as exc:
        raise precondition_failed(exc.current_version) from None
    if before is None:
        raise not_found(spec.entity, row_id)
    record_change(conn, principal, action="delete", entity=spec.entity, entity_id=row_id,
                  before=to_public(before), after=None, request_id=request_id, event={"id": str(row_id)})
