"""`POST /v1/{requirements|consultants}/{id}/recommendations`: one route for both matching directions, added to
the anchor's router.

(No `from __future__ import annotations` here: FastAPI reads the handler's annotations at runtime.)
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from serving.api.crud import IdempotencyKey, ItemId
from serving.api.deps import Principal, RankingSlot, in_tenant, require
from serving.errors import problem_responses
from serving.schemas.recommendations import RecommendationBody, RecommendationRequest, RecommendationsPublic
from serving.services import recommendations as recs
from warehouse.queries.matching import Direction


def add_recommend_route(router: APIRouter, direction: Direction, *, summary: str) -> None:
    @router.post("/{id}/recommendations", name=f"recommend_{direction.candidate.name}s",
                 response_model=RecommendationsPublic, summary=summary,
                 responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
                 openapi_extra={"x-required-permission": "recommendations:create"})
    async def recommend(
            request: Request, item_id: ItemId,
            principal: Annotated[Principal, Depends(require("recommendations", "create"))], _slot: RankingSlot,
            top_k: Annotated[int, Query(alias="topK", ge=1, le=50, description="How many to return")] = 10,
            body: RecommendationBody = None, idempotency_key: IdempotencyKey = None) -> Any:
        explain = (body or RecommendationRequest()).explain
        return await in_tenant(request, principal, lambda conn: recs.recommend(
            conn, principal, request, direction=direction, anchor_id=item_id, top_k=top_k, explain=explain,
            idempotency_key=idempotency_key))
