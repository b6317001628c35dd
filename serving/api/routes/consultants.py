"""Consultants (the bench): CRUD, full-text search, recommendations of requirements, resume import."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile as StarletteUploadFile

from serving.api.crud import Resource, crud_router
from serving.api.deps import Principal, charge_expensive, in_tenant, request_id, require
from serving.api.recommend import add_recommend_route
from serving.errors import ProblemError, problem_responses
from serving.schemas.consultants import (
    ConsultantCreate,
    ConsultantPublic,
    ConsultantsPublic,
    ConsultantStatus,
    ConsultantUpdate,
    Visa,
)
from warehouse.queries.matching import Direction
from warehouse.repositories.crm_tables import CONSULTANTS

RESOURCE = Resource(
    name="consultants", spec=CONSULTANTS, create=ConsultantCreate, update=ConsultantUpdate,
    public=ConsultantPublic, page=ConsultantsPublic,
    filters={"status": ConsultantStatus, "visa_status": Visa, "state": str, "city": str, "recruiter_id": uuid.UUID})

router = crud_router(RESOURCE)
add_recommend_route(router, Direction.FOR_CONSULTANT, summary="Recommend open requirements for a consultant")


MAX_RESUME_BYTES = 10 * 1024 * 1024


@router.post("/import-resume", name="import_resume", status_code=201,
             dependencies=[Depends(charge_expensive)],
             summary="Import a resume file (PDF, DOCX, TXT) as a consultant",
             responses={201: {"content": {"application/json": {"example": {
                 "consultant_id": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "status": "created", "reason": None}}}},
                 **problem_responses(401, 403, 413, 415, 422, 429, 503)},
             openapi_extra={"x-required-permission": "consultants:import", "requestBody": {
                 "required": True, "content": {"multipart/form-data": {
                     "schema": {"type": "object", "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}}},
                     "example": {"file": "(binary) ana-souza-resume.pdf"}}}}})
async def import_resume(request: Request,
                        principal: Annotated[Principal, Depends(require("consultants", "import"))]) -> Any:
    from ml.ingest.service import import_resume as ingest_resume

    # The form is parsed here, after authentication and the permission check: a declared UploadFile parameter
    # would make FastAPI read and spool the whole multipart body for anyone, token or not.
    file = await _uploaded_file(request)
    data = await file.read(MAX_RESUME_BYTES + 1)
    if len(data) > MAX_RESUME_BYTES:
        raise ProblemError(413, "payload-too-large", "Content Too Large", "resume larger than 10 MiB")
    if not data:
        raise ProblemError(422, "empty-file", "Unprocessable Content", "the uploaded file is empty")
    from serving.services.records import record_change

    def work(conn: Connection) -> dict[str, Any]:
        # extraction, embedding and the writes block: run off the event loop, in one worker-thread call
        outcome = ingest_resume(conn, tenant_id=principal.tenant_id, filename=file.filename or "resume",
                                data=data, content_type=file.content_type or "application/octet-stream")
        result = outcome.model_dump(mode="json")
        record_change(conn, principal, action="import", entity="consultant",
                      entity_id=_uuid_or_none(result.get("consultant_id")),
                      before=None, after=result, request_id=request_id(request),
                      audit_payload={"filename": file.filename, "bytes": len(data)},
                      event={"filename": file.filename, "result": result})
        return result

    return await in_tenant(request, principal, work)


async def _uploaded_file(request: Request) -> StarletteUploadFile:
    """The multipart body's one `file` part; 415 for another content type, 422 when the part is missing."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ProblemError(415, "unsupported-media-type", "Unsupported Media Type",
                           "send the resume as multipart/form-data with a `file` part")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # a malformed multipart body or too many parts: the client's error, said plainly
        raise ProblemError(422, "invalid-multipart", "Unprocessable Content",
                           "the multipart body could not be read (one `file` part expected)") from None
    file = form.get("file")
    if not isinstance(file, StarletteUploadFile):
        raise ProblemError(422, "missing-file", "Unprocessable Content", "a `file` part with the resume is required")
    return file


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
