from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from serving.schemas.base import (
    ApiModel,
    Bool,
    Email,
    Float,
    FutureDate,
    Long,
    Money,
    Name,
    PageModel,
    PastDate,
    Phone,
    PublicModel,
    Short,
    Uuid,
    partial,
    text,
)

Visa = Literal["USC", "GC", "GC-EAD", "H1B", "H4-EAD", "L2-EAD", "EAD", "OPT", "CPT", "STEM-OPT", "TN", "E3"]
ConsultantStatus = Literal["bench", "marketing", "placed", "inactive"]

_EXAMPLE = {"fullName": "Ana Souza", "email": "ana@example.com", "title": "Senior Java Developer",
            "summary": "12 years of Java, Spring Boot and AWS in banking", "yearsExperience": 12,
            "city": "Dallas", "state": "TX", "hourlyRate": 68, "visaStatus": "H1B", "status": "bench",
            "remoteOk": True}


class ConsultantCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    full_name: Name
    external_id: Short | None = None
    email: Email | None = None
    phone: Phone | None = None
    title: Short | None = None
    summary: Long | None = None
    resume_text: text(200_000) | None = None
    years_experience: Float | None = Field(default=None, ge=0, le=60)
    city: Short | None = None
    state: Short | None = None
    country: Short | None = None
    lat: Float | None = Field(default=None, ge=-90, le=90)
    lon: Float | None = Field(default=None, ge=-180, le=180)
    timezone: Short | None = None
    remote_ok: Bool = True
    willing_to_relocate: Bool = False
    hourly_rate: Money | None = None
    visa_status: Visa | None = None
    available_from: FutureDate | None = None
    bench_since: PastDate | None = None
    status: ConsultantStatus = "bench"
    recruiter_id: Uuid | None = None


ConsultantUpdate = partial(ConsultantCreate, "ConsultantUpdate", exclude=frozenset({"external_id"}),
                           examples=[{"status": "marketing", "hourlyRate": 72}])


class ConsultantPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "version": 1, "createdAt": "2026-11-25T07:00:00Z",
        "updatedAt": "2026-11-25T07:00:00Z", **_EXAMPLE}]})

    full_name: str
    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    summary: str | None = None
    years_experience: float | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    remote_ok: bool
    willing_to_relocate: bool
    hourly_rate: float | None = None
    visa_status: str | None = None
    available_from: date | None = None
    bench_since: date | None = None
    status: str
    recruiter_id: uuid.UUID | None = None


class ConsultantsPublic(PageModel):
    data: list[ConsultantPublic]
