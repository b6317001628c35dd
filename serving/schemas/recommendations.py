from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from serving.schemas.base import ApiModel, Bool, text
from serving.schemas.pipeline import SubmissionPublic

_OUT = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True)


class RecommendationRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"explain": True}]})

    explain: Bool = Field(default=True, description="Include reasons[] and factors{} per item")


RecommendationBody = Annotated[RecommendationRequest | None, Body(openapi_examples={
    "explained": {"summary": "with reasons and factors", "value": {"explain": True}},
    "scores only": {"summary": "scores only (faster)", "value": {"explain": False}}})]


class RecommendationItem(BaseModel):
    model_config = _OUT

    id: uuid.UUID = Field(description="This item's recommendation id: the target of POST /v1/recommendations/{id}/decision")
    consultant_id: uuid.UUID
    requirement_id: uuid.UUID
    rank: int
    match_score: float
    success_probability: float | None = None
    reasons: list[str] = Field(default_factory=list)
    factors: dict[str, Any] = Field(default_factory=dict)


class RecommendationsPublic(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True,
                              json_schema_extra={"examples": [{
                                  "recommendationId": "0a1b2c3d-4e5f-4607-8819-2a3b4c5d6e7f",
                                  "modelVersion": "benchcrm-ranker@champion:v3",
                                  "direction": "requirement_to_consultants",
                                  "anchorId": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d",
                                  "items": [{"id": "1b2c3d4e-5f60-4718-892a-3b4c5d6e7f80",
                                             "consultantId": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11",
                                             "requirementId": "5d0c1b2a-7e6f-4a3b-9c8d-1e2f3a4b5c6d", "rank": 1,
                                             "matchScore": 0.91, "successProbability": 0.34,
                                             "reasons": ["8/9 must-have skills", "rate within budget"],
                                             "factors": {"skill_coverage": 0.89, "rate_fit": 1.0}}]}]})

    recommendation_id: uuid.UUID = Field(description="The stored run (inputs, scores, model version)")
    model_version: str
    direction: Literal["requirement_to_consultants", "consultant_to_requirements"]
    anchor_id: uuid.UUID
    created_at: datetime | None = None
    items: list[RecommendationItem]


class DecisionCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "approve"}, {"decision": "reject", "reason": "visa does not match"}]})

    decision: Literal["approve", "reject"]
    reason: text(2000, 1) | None = None

    @model_validator(mode="after")
    def _reason_for_reject(self) -> DecisionCreate:
        if self.decision == "reject" and not self.reason:
            raise ValueError("a rejection needs a reason")
        return self


class DecisionPublic(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True,
                              json_schema_extra={"examples": [{
                                  "recommendationId": "1b2c3d4e-5f60-4718-892a-3b4c5d6e7f80",
                                  "decision": "approved", "reason": None, "decidedAt": "2026-11-25T08:00:00Z",
                                  "submissionCreated": True, "submission": None}]})

    recommendation_id: uuid.UUID
    decision: Literal["approved", "rejected"]
    reason: str | None = None
    decided_at: datetime
    submission_created: bool
    submission: SubmissionPublic | None = None
