"""Submissions and what follows them: interviews, offers, placements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from serving.schemas.base import (
    ApiModel,
    FutureDate,
    FutureDateTime,
    Int,
    Money,
    PageModel,
    PublicModel,
    Uuid,
    partial,
)

SubmissionStatus = Literal["draft", "submitted", "interviewing", "offered", "placed", "rejected", "withdrawn"]
_TS = {"version": 1, "createdAt": "2026-11-25T07:00:00Z", "updatedAt": "2026-11-25T07:00:00Z"}
_SUB = "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b"


class SubmissionCreate(ApiModel):
    """A new submission starts as `draft`; move it along with PATCH `status`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"consultantId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11",
         "requirementId": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "submittedRate": 70, "payRate": 60}]})

    consultant_id: Uuid
    requirement_id: Uuid
    vendor_company_id: Uuid | None = None
    recruiter_id: Uuid | None = None
    submitted_rate: Money | None = None
    pay_rate: Money | None = None


SubmissionUpdate = partial(
    SubmissionCreate, "SubmissionUpdate", exclude=frozenset({"consultant_id", "requirement_id"}),
    extra={"status": (SubmissionStatus, Field(default=None, description=(
        "Valid moves: draft→submitted|withdrawn; submitted→interviewing|rejected|withdrawn; "
        "interviewing→offered|rejected|withdrawn; offered→placed|rejected|withdrawn")))},
    examples=[{"status": "submitted"}])


class SubmissionPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _SUB, **_TS, "consultantId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11",
        "requirementId": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "status": "draft"}]})

    consultant_id: uuid.UUID
    requirement_id: uuid.UUID
    vendor_company_id: uuid.UUID | None = None
    recruiter_id: uuid.UUID | None = None
    recommendation_id: uuid.UUID | None = None
    status: SubmissionStatus
    submitted_rate: float | None = None
    pay_rate: float | None = None
    match_score: float | None = None
    success_probability: float | None = None
    submitted_at: datetime | None = None
    closed_at: datetime | None = None


class SubmissionsPublic(PageModel):
    data: list[SubmissionPublic]


InterviewOutcome = Literal["pending", "passed", "failed", "no_show", "cancelled"]


class InterviewCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"submissionId": _SUB, "round": 1, "scheduledAt": "2026-12-01T15:00:00Z"}]})

    submission_id: Uuid
    scheduled_at: FutureDateTime
    round: Int = Field(default=1, ge=1, le=10)
    outcome: InterviewOutcome = "pending"


InterviewUpdate = partial(InterviewCreate, "InterviewUpdate", exclude=frozenset({"submission_id"}),
                          examples=[{"outcome": "passed"}])


class InterviewPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "4d5e6f70-8192-43a4-b5c6-d7e8f90a1b2c", **_TS, "submissionId": _SUB, "round": 1,
        "scheduledAt": "2026-12-01T15:00:00Z", "outcome": "pending"}]})

    submission_id: uuid.UUID
    round: int
    scheduled_at: datetime
    outcome: InterviewOutcome


class InterviewsPublic(PageModel):
    data: list[InterviewPublic]


OfferStatus = Literal["extended", "accepted", "declined", "rescinded"]


class OfferCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"submissionId": _SUB, "billRate": 80, "payRate": 65, "offeredAt": "2026-12-05T16:00:00Z"}]})

    submission_id: Uuid
    offered_at: FutureDateTime  # may be planned ahead; bounded like the other pipeline dates
    bill_rate: Money | None = None
    pay_rate: Money | None = None
    status: OfferStatus = "extended"


OfferUpdate = partial(OfferCreate, "OfferUpdate", exclude=frozenset({"submission_id"}),
                      examples=[{"status": "accepted"}])


class OfferPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5e6f7081-92a3-44b5-86d7-e8f90a1b2c3d", **_TS, "submissionId": _SUB, "billRate": 80, "payRate": 65,
        "offeredAt": "2026-12-05T16:00:00Z", "status": "extended"}]})

    submission_id: uuid.UUID
    offered_at: datetime
    bill_rate: float | None = None
    pay_rate: float | None = None
    status: OfferStatus


class OffersPublic(PageModel):
    data: list[OfferPublic]


class PlacementCreate(ApiModel):
    """Consultant and requirement come from the submission."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"submissionId": _SUB, "billRate": 80, "payRate": 65, "startDate": "2027-01-04"}]})

    submission_id: Uuid
    start_date: FutureDate
    end_date: FutureDate | None = None
    bill_rate: Money | None = None
    pay_rate: Money | None = None


PlacementUpdate = partial(PlacementCreate, "PlacementUpdate", exclude=frozenset({"submission_id"}),
                          examples=[{"endDate": "2027-12-31"}])


class PlacementPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "6f708192-a3b4-45c6-97e8-f90a1b2c3d4e", **_TS, "submissionId": _SUB,
        "consultantId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11",
        "requirementId": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "startDate": "2027-01-04"}]})

    submission_id: uuid.UUID
    consultant_id: uuid.UUID
    requirement_id: uuid.UUID
    start_date: date
    end_date: date | None = None
    bill_rate: float | None = None
    pay_rate: float | None = None


class PlacementsPublic(PageModel):
    data: list[PlacementPublic]
