from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from serving.schemas.base import (
    ApiModel,
    Float,
    FutureDate,
    Long,
    Money,
    Name,
    PageModel,
    PublicModel,
    Short,
    Uuid,
    partial,
)
from serving.schemas.consultants import Visa

WorkMode = Literal["onsite", "hybrid", "remote"]
Terms = Literal["C2C", "W2", "1099"]
RequirementStatus = Literal["open", "on_hold", "filled", "closed"]

_EXAMPLE = {"title": "Sr. Data Engineer", "description": "Python, PySpark, AWS Glue, Redshift, Airflow; 10+ years",
            "city": "Austin", "state": "TX", "workMode": "hybrid", "billRateMax": 68,
            "employmentTerms": ["C2C"], "durationMonths": 12, "minYears": 10, "visaAccepted": ["USC", "GC", "H1B"],
            "status": "open"}


class RequirementCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    title: Name
    external_id: Short | None = None
    description: Long | None = None
    raw_subject: Short | None = None
    client_company_id: Uuid | None = None
    vendor_company_id: Uuid | None = None
    end_client_name: Short | None = None
    city: Short | None = None
    state: Short | None = None
    country: Short | None = None
    lat: Float | None = Field(default=None, ge=-90, le=90)
    lon: Float | None = Field(default=None, ge=-180, le=180)
    timezone: Short | None = None
    work_mode: WorkMode | None = None
    bill_rate_max: Money | None = None
    employment_terms: Annotated[list[Terms], Field(max_length=3)] | None = None
    duration_months: Float | None = Field(default=None, ge=0, le=600)
    start_date: FutureDate | None = None
    min_years: Float | None = Field(default=None, ge=0, le=60)
    seniority: Short | None = None
    visa_accepted: Annotated[list[Visa], Field(max_length=12)] | None = None
    domains: Annotated[list[Short], Field(max_length=20)] | None = None
    status: RequirementStatus = "open"
    recruiter_id: Uuid | None = None


RequirementUpdate = partial(RequirementCreate, "RequirementUpdate", exclude=frozenset({"external_id"}),
                            examples=[{"status": "on_hold"}])


class RequirementPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "version": 1, "createdAt": "2026-11-25T07:00:00Z",
        "updatedAt": "2026-11-25T07:00:00Z", "receivedAt": "2026-11-25T07:00:00Z", **_EXAMPLE}]})

    title: str
    external_id: str | None = None
    description: str | None = None
    raw_subject: str | None = None
    client_company_id: uuid.UUID | None = None
    vendor_company_id: uuid.UUID | None = None
    end_client_name: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    work_mode: str | None = None
    bill_rate_max: float | None = None
    employment_terms: list[str] | None = None
    duration_months: float | None = None
    start_date: date | None = None
    min_years: float | None = None
    seniority: str | None = None
    visa_accepted: list[str] | None = None
    domains: list[str] | None = None
    status: str
    received_at: datetime
    recruiter_id: uuid.UUID | None = None


class RequirementsPublic(PageModel):
    data: list[RequirementPublic]
