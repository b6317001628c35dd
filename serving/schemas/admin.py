"""Audit log, webhooks, quarantine, extraction, inbox and KPI payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from serving.schemas.base import ApiModel, Bool, PageModel, QueryDateTime, text

_OUT = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True)


class AuditLogPublic(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "id": "a1b2c3d4-e5f6-4789-9abc-def012345678", "actorId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11",
        "actorType": "user", "action": "update", "entity": "consultant",
        "entityId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "beforeHash": "5e88…", "afterHash": "a3c1…",
        "modelVersion": None, "promptFingerprint": None, "requestId": "9f1c2b7a04d14e0f8a3b5c6d7e8f9a0b",
        "clientRequestId": "req-7f3a", "payload": {"changed": ["status"]},
        "createdAt": "2026-11-25T07:00:00Z"}]})

    id: uuid.UUID
    actor_id: uuid.UUID | None = None
    actor_type: str
    action: str
    entity: str
    entity_id: uuid.UUID | None = None
    before_hash: str | None = None
    after_hash: str | None = None
    model_version: str | None = None
    prompt_fingerprint: str | None = None
    request_id: str | None = None          # the server's own id for the request
    client_request_id: str | None = None   # the caller's X-Request-ID, when it sent a sane one
    payload: dict[str, Any] | None = None
    created_at: datetime


class AuditLogsPublic(PageModel):
    data: list[AuditLogPublic]


class AuditQuery(ApiModel):
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)
    entity: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None
    entity_id: uuid.UUID | None = None
    action: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None
    actor_id: uuid.UUID | None = None
    since: QueryDateTime | None = None
    until: QueryDateTime | None = None


EVENT_TYPE = r"^(\*|[a-z_]{1,40}\.(\*|[a-z_]{1,40}))$"


class WebhookCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://hooks.example.com/benchcrm", "eventTypes": ["submission.*", "recommendation.decided"]}]})

    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]{1,2000}$")]
    event_types: Annotated[list[Annotated[str, StringConstraints(pattern=EVENT_TYPE)]],
                           Field(min_length=1, max_length=50)] = Field(default_factory=lambda: ["*"])
    secret: Annotated[str, StringConstraints(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")] | None = (
        Field(default=None, description="HMAC-SHA256 key; generated (and returned once) when omitted"))
    active: Bool = True


class WebhookUpdate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]{1,2000}$")] | None = None
    event_types: Annotated[list[Annotated[str, StringConstraints(pattern=EVENT_TYPE)]],
                           Field(min_length=1, max_length=50)] | None = None
    active: Bool | None = None


class WebhookPublic(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "id": "b2c3d4e5-f607-4819-aabb-ccddeeff0011", "url": "https://hooks.example.com/benchcrm",
        "eventTypes": ["*"], "active": True, "createdAt": "2026-11-25T07:00:00Z", "secret": None}]})

    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    secret: str | None = Field(default=None, description="Only in the response that created the endpoint")


class WebhooksPublic(PageModel):
    data: list[WebhookPublic]


class WebhookDeliveryPublic(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "id": "c3d4e5f6-0718-492a-bbcc-ddeeff001122", "endpointId": "b2c3d4e5-f607-4819-aabb-ccddeeff0011",
        "eventId": "d4e5f607-1829-4a3b-8cdd-eeff00112233", "status": "failed", "attempts": 2,
        "nextAttemptAt": "2026-11-25T07:00:08Z", "lastError": "HTTP 503", "deliveredAt": None}]})

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    status: Literal["pending", "delivered", "failed", "dead"]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None


class WebhookDeliveriesPublic(BaseModel):
    model_config = _OUT

    data: list[WebhookDeliveryPublic]


class QuarantinePublic(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "id": "e5f60718-293a-4b4c-9dee-ff0011223344", "source": "imap", "entityType": "message",
        "reason": "no_requirement_fields", "detail": "no title, skills or rate found", "messageId": None,
        "createdAt": "2026-11-25T07:00:00Z"}]})

    id: uuid.UUID
    source: str
    entity_type: str
    reason: str
    detail: str | None = None
    message_id: uuid.UUID | None = None
    created_at: datetime


class QuarantinesPublic(PageModel):
    data: list[QuarantinePublic]


class ExtractRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"schemaName": "requirement", "text": "Role: Sr. Data Engineer\nLocation: Austin, TX (Hybrid)\n"
                                              "Rate: $68/hr on C2C\nMust have: Python, PySpark, AWS Glue"}]})

    schema_name: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
    text: text(200_000, 1)


class KpiQuery(ApiModel):
    from_: QueryDateTime | None = Field(default=None, alias="from")
    to: QueryDateTime | None = None
    grain: Literal["day", "week", "month"] = "week"


class KpisPublic(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "grain": "week", "from": "2026-10-01T00:00:00Z", "to": "2026-11-25T00:00:00Z",
        "data": [{"period": "2026-11-16", "submissions": 41, "interviews": 9, "placements": 2}]}]})

    grain: str
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    data: list[dict[str, Any]]
