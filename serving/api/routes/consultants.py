"""Consultants (the bench): CRUD, full-text search, recommendations of requirements, resume import."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from serving.api.crud import IdempotencyKey, ItemId, Resource, crud_router
from serving.api.deps import Principal, TenantConn, charge_expensive, request_id, require
from serving.errors import ProblemError, problem_responses
from serving.schemas.consultants import (
    ConsultantCreate,
    ConsultantPublic,
    ConsultantsPublic,
    ConsultantStatus,
    ConsultantUpdate,
    Visa,
)
from serving.schemas.recommendations import RecommendationBody, RecommendationRequest, RecommendationsPublic
from serving.services import recommendations as recs
from warehouse.repositories.crm_tables import CONSULTANTS

RESOURCE = Resource(
    name="consultants", spec=CONSULTANTS, create=ConsultantCreate, update=ConsultantUpdate,
    public=ConsultantPublic, page=ConsultantsPublic,
    filters={"status": ConsultantStatus, "visa_status": Visa, "state": str, "city": str, "recruiter_id": uuid.UUID})

router = crud_router(RESOURCE)


@router.post("/{id}/recommendations", name="recommend_requirements", response_model=RecommendationsPublic,
             summary="Recommend open requirements for a consultant",
             responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
             openapi_extra={"x-required-permission": "recommendations:create"})
def recommend_requirements(
        request: Request, item_id: ItemId,
        principal: Annotated[Principal, Depends(require("recommendations", "create"))], conn: TenantConn,
        top_k: Annotated[int, Query(alias="topK", ge=1, le=50, description="How many to return")] = 10,
        body: RecommendationBody = None, idempotency_key: IdempotencyKey = None) -> Any:
    return recs.recommend(conn, principal, request, direction="consultant_to_requirements", anchor_id=item_id,
                          top_k=top_k, explain=(body or RecommendationRequest()).explain,
                          idempotency_key=idempotency_key)


MAX_RESUME_BYTES = 10 * 1024 * 1024


@router.post("/import-resume", name="import_resume", status_code=201,
             dependencies=[Depends(charge_expensive)],
             summary="Import a resume file (PDF, DOCX, TXT) as a consultant",
             responses={201: {"content": {"application/json": {"example": {
                 "consultant_id": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "status": "created", "reason": None}}}},
                 **problem_responses(401, 403, 413, 415, 422, 429, 503)},
             openapi_extra={"x-required-permission": "consultants:import", "requestBody": {"content": {
                 "multipart/form-data": {"example": {"file": "(binary) ana-souza-resume.pdf"}}}}})
async def import_resume(request: Request, file: UploadFile,
                        principal: Annotated[Principal, Depends(require("consultants", "import"))],
                        conn: TenantConn) -> Any:
    from ml.ingest.service import import_resume as ingest_resume

    data = await file.read(MAX_RESUME_BYTES + 1)
    if len(data) > MAX_RESUME_BYTES:
        raise ProblemError(413, "payload-too-large", "Content Too Large", "resume larger than 10 MiB")
    if not data:
        raise ProblemError(422, "empty-file", "Unprocessable Content", "the uploaded file is empty")
    from serving.services.records import record_change

    def work() -> dict[str, Any]:
        # extraction, embedding and the writes block: run them off the event loop
        outcome = ingest_resume(conn, tenant_id=principal.tenant_id, filename=file.filename or "resume",
                                data=data, content_type=file.content_type or "application/octet-stream")
        result = outcome.model_dump(mode="json")
        record_change(conn, principal, action="import", entity="consultant",
                      entity_id=_uuid_or_none(result.get("consultant_id")),
                      before=None, after=result, request_id=request_id(request),
                      audit_payload={"filename": file.filename, "bytes": len(data)},
                      event={"filename": file.filename, "result": result})
        return result

    return await run_in_threadpool(work)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
