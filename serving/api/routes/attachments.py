"""Attachments on CRM records (content sent base64 in JSON; size bounded by the request limit)."""

import base64
import binascii
import hashlib
import uuid
from typing import Any

from sqlalchemy.engine import Connection

from serving.api.crud import Resource, crud_router
from serving.api.deps import Principal
from serving.errors import ProblemError
from serving.schemas.activities import (
    AttachedTo,
    AttachmentCreate,
    AttachmentPublic,
    AttachmentsPublic,
    AttachmentUpdate,
)
from warehouse.repositories import records
from warehouse.repositories.crm_tables import ATTACHMENTS, COMPANIES, CONSULTANTS, CONTACTS, REQUIREMENTS, SUBMISSIONS

_ATTACHABLE = {"consultant": CONSULTANTS, "requirement": REQUIREMENTS, "company": COMPANIES, "contact": CONTACTS,
               "submission": SUBMISSIONS}


def _prepare(conn: Connection, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    # RLS: another tenant's record is as absent as a missing one
    if records.get_row(conn, _ATTACHABLE[values["entity_type"]], values["entity_id"]) is None:
        raise ProblemError(422, "unknown-reference", "Unprocessable Content",
                           f"{values['entity_type']} {values['entity_id']} does not exist")
    try:
        content = base64.b64decode(values.pop("content_base64"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProblemError(422, "invalid-base64", "Unprocessable Content", "contentBase64 is not base64") from exc
    return {**values, "content": content, "size_bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}


RESOURCE = Resource(name="attachments", spec=ATTACHMENTS, create=AttachmentCreate, update=AttachmentUpdate,
                    public=AttachmentPublic, page=AttachmentsPublic,
                    filters={"entity_type": AttachedTo, "entity_id": uuid.UUID}, before_create=_prepare)
router = crud_router(RESOURCE)
