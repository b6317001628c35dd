"""Integrations: import one raw RFC 822 message into the requirement pipeline."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, charge_expensive, in_tenant, request_id, require
from serving.errors import ProblemError, problem_responses
from serving.services.records import record_change

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])
RAW_TYPES = ("message/rfc822", "application/octet-stream")


@router.post("/inbox/import", name="import_inbox_message", summary="Import a raw email (RFC 822 bytes)",
             dependencies=[Depends(charge_expensive)],
             openapi_extra={"x-required-permission": "integrations:import", "requestBody": {
                 "required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}, "example":
                                                   "Subject: Java Developer - Dallas, TX - C2C\r\n\r\nMust have Java"}
                                               for t in RAW_TYPES}}},
             responses={200: {"content": {"application/json": {"example": {
                 "message_id": "<abc@vendor.example>", "status": "parsed",
                 "requirement_id": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "reason": None, "timings": {}}}}},
                 **problem_responses(401, 403, 413, 415, 422, 429, 503)})
async def import_inbox_message(request: Request,
                               principal: Annotated[Principal, Depends(require("integrations", "import"))]
                               ) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in RAW_TYPES:
        raise ProblemError(415, "unsupported-media-type", "Unsupported Media Type",
                           f"send the raw message as {' or '.join(RAW_TYPES)}")
    raw = await request.body()  # the size-limit middleware has already bounded this
    if not raw.strip():
        raise ProblemError(422, "empty-message", "Unprocessable Content", "the message is empty")
    from ml.ingest.service import import_message

    def work(conn: Connection) -> dict[str, Any]:
        # parse/extract/embed and the writes block: run off the event loop, in one worker-thread call
        outcome = import_message(conn, tenant_id=principal.tenant_id, raw=raw, source="api")
        out = outcome.model_dump(mode="json")
        req_id = out.get("requirement_id")
        record_change(conn, principal, action="import", entity="inbound_message",
                      entity_id=uuid.UUID(req_id) if req_id else None, before=None, after=out,
                      request_id=request_id(request), audit_payload={"status": out.get("status"), "bytes": len(raw)},
                      event_type="inbound_message.imported", event=out)
        return out

    return await in_tenant(request, principal, work)
