"""Versioned extraction schemas (the JSON Schema is generated from these models: `Model.model_json_schema()`).

Every extracted field carries a confidence (0..1) and the character span of the text it came from, so a recruiter
can see why the machine believes it. Rates are normalized to hourly USD (annual / 2080).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1.0"  # 1.1: optional RequirementExtraction.context_skills (additive, old payloads still load)

WorkMode = Literal["onsite", "hybrid", "remote"]
EmploymentTerm = Literal["C2C", "W2", "1099", "FTE"]
Visa = Literal["USC", "GC", "GC-EAD", "H1B", "H4-EAD", "L2-EAD", "EAD", "OPT", "CPT", "STEM-OPT", "TN", "E3"]


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Evidence(BaseModel):
    """Where a field value came from and how sure the extractor is."""

    model_config = ConfigDict(extra="forbid")
    confidence: float = Field(ge=0, le=1)
    span: Span | None = None
    source: Literal["subject", "body", "inferred"] = "body"


class ExtractedSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raw: str
    canonical: str | None = None  # taxonomy name; None when unresolvable
    required: bool = True
    years: float | None = Field(default=None, ge=0, le=60)
    evidence: Evidence


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city: str | None = None
    state: str | None = None  # two-letter US state code
    country: str = "US"
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str | None = None
    work_mode: WorkMode | None = None


class Rate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(gt=0)
    unit: Literal["hour", "year", "month", "day"]
    currency: str = "USD"
    hourly_usd: float = Field(gt=0)
    terms: list[EmploymentTerm] = Field(default_factory=list)


class RequirementExtraction(BaseModel):
    """A job requirement as extracted from a vendor email."""

    model_config = ConfigDict(extra="forbid")
    schema_name: Literal["requirement"] = "requirement"
    schema_version: str = SCHEMA_VERSION
    is_requirement: bool = True
    not_requirement_reason: str | None = None
    title: str | None = None
    external_id: str | None = None  # "Req# 24-10332"
    skills: list[ExtractedSkill] = Field(default_factory=list)
    # Canonical skills named only in the duties / company prose of an email that lists its asks elsewhere ("you will
    # work in an Agile team"): context, not asks (ADR 0004), kept so matching can use them as a weak signal.
    context_skills: list[str] = Field(default_factory=list)
    min_years: float | None = Field(default=None, ge=0, le=60)
    seniority: Literal["junior", "mid", "senior", "lead", "architect", "principal"] | None = None
    location: Location = Field(default_factory=Location)
    visa_accepted: list[Visa] = Field(default_factory=list)
    rate: Rate | None = None
    # Terms stated anywhere in the email, also when the rate itself is not ("Rate: DOE", "C2C only").
    employment_terms: list[EmploymentTerm] = Field(default_factory=list)
    duration_months: float | None = Field(default=None, ge=0, le=120)
    contract_type: Literal["contract", "contract_to_hire", "full_time"] | None = None
    start_date: date | None = None
    client: str | None = None
    end_client: str | None = None
    vendor: str | None = None
    domains: list[str] = Field(default_factory=list)
    notes: str | None = None
    evidence: dict[str, Evidence] = Field(default_factory=dict)  # field name -> evidence


class ResumeExtraction(BaseModel):
    """A consultant profile as extracted from a resume."""

    model_config = ConfigDict(extra="forbid")
    schema_name: Literal["resume"] = "resume"
    schema_version: str = SCHEMA_VERSION
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    titles: list[str] = Field(default_factory=list)
    skills: list[ExtractedSkill] = Field(default_factory=list)
    total_years: float | None = Field(default=None, ge=0, le=60)
    location: Location = Field(default_factory=Location)
    visa_status: Visa | None = None
    rate_expectation: Rate | None = None
    available_from: date | None = None
    evidence: dict[str, Evidence] = Field(default_factory=dict)


SCHEMAS: dict[str, type[BaseModel]] = {"requirement": RequirementExtraction, "resume": ResumeExtraction}
