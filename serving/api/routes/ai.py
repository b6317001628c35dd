"""AI: structured extraction of free text (requirement emails, resumes) with per-field confidence and spans."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, charge_expensive, in_one_call, request_id, require
from serving.errors import ProblemError, problem_responses
from serving.schemas.admin import ExtractRequest
from serving.services.records import record_change

router = APIRouter(prefix="/v1/ai", tags=["ai"])


@router.post("/extract", name="extract", summary="Extract structured JSON from text with a named schema",
             dependencies=[Depends(charge_expensive)],
             responses={200: {"content": {"application/json": {"example": {
                 "title": {"value": "Sr. Data Engineer", "confidence": 0.97, "span": [6, 23]}}}}},
                 **problem_responses(401, 403, 413, 422, 429, 503)},
             openapi_extra={"x-required-permission": "ai:create"})
@in_one_call
def extract(request: Request, body: ExtractRequest, principal: Annotated[Principal, Depends(require("ai", "create"))],
            conn: Connection) -> dict[str, Any]:
    from ml.ai.gateway import AIGateway
    from ml.extraction import UnknownSchema

    try:
        # the gateway routes to the configured provider, enforces AI_MAX_TOKENS_DAY, caches and records telemetry
        result = AIGateway(conn).extract(principal.tenant_id, body.schema_name, body.text)
    except UnknownSchema as exc:
        raise ProblemError(422, "unknown-schema", "Unprocessable Content", str(exc) or
                           f"unknown schema {body.schema_name!r}") from exc
    out = result.output.model_dump(mode="json")
    fingerprint = hashlib.sha256(f"{body.schema_name}\n{body.text}".encode()).hexdigest()
    record_change(conn, principal, action="extract", entity="ai_extraction", entity_id=None, before=None, after=out,
                  request_id=request_id(request), prompt_fingerprint=fingerprint,
                  model_version=str(out.get("extractor_version") or out.get("model_version") or out.get("schema_version") or "") or None,
                  audit_payload={"schemaName": body.schema_name, "chars": len(body.text)})
    return out
