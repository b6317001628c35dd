"""Requirements (demand): CRUD, full-text search, consultant recommendations."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from serving.api.crud import IdempotencyKey, ItemId, Resource, crud_router
from serving.api.deps import Principal, TenantConn, require
from serving.errors import problem_responses
from serving.schemas.recommendations import RecommendationBody, RecommendationRequest, RecommendationsPublic
from serving.schemas.requirements import (
    RequirementCreate,
    RequirementPublic,
    RequirementsPublic,
    RequirementStatus,
    RequirementUpdate,
    WorkMode,
)
from serving.services import recommendations as recs
from warehouse.repositories.crm_tables import REQUIREMENTS

RESOURCE = Resource(
    name="requirements", spec=REQUIREMENTS, create=RequirementCreate, update=RequirementUpdate,
    public=RequirementPublic, page=RequirementsPublic,
    filters={"status": RequirementStatus, "work_mode": WorkMode, "state": str, "client_company_id": uuid.UUID,
             "vendor_company_id": uuid.UUID})

router = crud_router(RESOURCE)


@router.post("/{id}/recommendations", name="recommend_consultants", response_model=RecommendationsPublic,
             summary="Recommend bench consultants for a requirement (stored and audited)",
             responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
             openapi_extra={"x-required-permission": "recommendations:create"})
def recommend_consultants(
        request: Request, item_id: ItemId,
        principal: Annotated[Principal, Depends(require("recommendations", "create"))], conn: TenantConn,
        top_k: Annotated[int, Query(alias="topK", ge=1, le=50, description="How many to return")] = 10,
        body: RecommendationBody = None, idempotency_key: IdempotencyKey = None) -> Any:
    return recs.recommend(conn, principal, request, direction="requirement_to_consultants", anchor_id=item_id,
                          top_k=top_k, explain=(body or RecommendationRequest()).explain,
                          idempotency_key=idempotency_key)
