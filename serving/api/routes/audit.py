"""The audit log (Admin/Owner): every mutation and every AI/recommendation call."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, in_one_call, require
from serving.errors import problem_responses
from serving.schemas.admin import AuditLogPublic, AuditLogsPublic, AuditQuery
from serving.services.pagination import decode_cursor, page
from warehouse.repositories.audit import list_audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/logs", name="list_audit_logs", response_model=AuditLogsPublic, summary="Audit rows, newest first",
            responses=problem_responses(400, 401, 403, 422, 429), openapi_extra={"x-required-permission": "audit:read"})
@in_one_call
def list_audit_logs(principal: Annotated[Principal, Depends(require("audit", "read"))], conn: Connection,
                    query: Annotated[AuditQuery, Query()]) -> Any:
    rows = list_audit(conn, entity=query.entity, entity_id=query.entity_id, action=query.action,
                      actor_id=query.actor_id, since=query.since, until=query.until,
                      after=decode_cursor(query.cursor), limit=query.limit + 1)
    rows, next_cursor = page(rows, query.limit)
    return {"data": [AuditLogPublic.model_validate(r).model_dump(mode="json") for r in rows],
            "nextCursor": next_cursor}
