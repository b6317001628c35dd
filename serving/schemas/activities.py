"""Activities (email/call/note/meeting), tags and attachments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from serving.schemas.base import ApiModel, Long, Name, PageModel, PastDateTime, PublicModel, Short, Uuid, partial, text

ActivityKind = Literal["email", "call", "note", "meeting"]
_TS = {"version": 1, "createdAt": "2026-11-25T07:00:00Z", "updatedAt": "2026-11-25T07:00:00Z"}


class ActivityCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"kind": "call", "subject": "Screening call", "body": "Available from Monday; prefers Dallas",
         "consultantId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11"}]})

    kind: ActivityKind
    subject: Short | None = None
    body: Long | None = None
    consultant_id: Uuid | None = None
    requirement_id: Uuid | None = None
    contact_id: Uuid | None = None
    occurred_at: PastDateTime | None = None


ActivityUpdate = partial(ActivityCreate, "ActivityUpdate", examples=[{"body": "Rescheduled to Tuesday"}])


class ActivityPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "708192a3-b4c5-46d7-a8f9-0a1b2c3d4e5f", **_TS, "kind": "call", "subject": "Screening call",
        "occurredAt": "2026-11-25T07:00:00Z"}]})

    kind: ActivityKind
    subject: str | None = None
    body: str | None = None
    consultant_id: uuid.UUID | None = None
    requirement_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    occurred_at: datetime


class ActivitiesPublic(PageModel):
    data: list[ActivityPublic]


class TagCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "hot", "color": "#e11d48"}]})

    name: text(64, 1)
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None


TagUpdate = partial(TagCreate, "TagUpdate", examples=[{"color": "#16a34a"}])


class TagPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "8192a3b4-c5d6-47e8-b9fa-1b2c3d4e5f60", **_TS, "name": "hot", "color": "#e11d48"}]})

    name: str
    color: str | None = None


class TagsPublic(PageModel):
    data: list[TagPublic]


AttachedTo = Literal["consultant", "requirement", "company", "contact", "submission"]


class AttachmentCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"entityType": "consultant", "entityId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "filename": "resume.txt",
         "contentType": "text/plain", "contentBase64": "SmF2YSwgU3ByaW5nIEJvb3Q="}]})

    entity_type: AttachedTo
    entity_id: Uuid
    filename: Name
    content_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=120)]
    content_base64: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$", max_length=20_000_000)] = Field(
        description="The file, base64; size limited by the request size limit")


AttachmentUpdate = partial(AttachmentCreate, "AttachmentUpdate",
                           exclude=frozenset({"entity_type", "entity_id", "content_base64", "content_type"}),
                           examples=[{"filename": "resume-2026.txt"}])


class AttachmentPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "92a3b4c5-d6e7-48f9-8a0b-2c3d4e5f6071", **_TS, "entityType": "consultant",
        "entityId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "filename": "resume.txt", "contentType": "text/plain",
        "sizeBytes": 17, "sha256": "3f0a..."}]})

    entity_type: str
    entity_id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class AttachmentsPublic(PageModel):
    data: list[AttachmentPublic]
