"""Stored recommendation runs and the human decision on each item."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from serving.api.crud import IdempotencyKey, ItemId
from serving.api.deps import Principal, in_one_call, require
from serving.errors import problem_responses
from serving.schemas.recommendations import DecisionCreate, DecisionPublic, RecommendationsPublic
from serving.services import idempotency
from serving.services import recommendations as recs

router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"])


@router.get("/{id}", name="get_recommendation", response_model=RecommendationsPublic,
            summary="A stored recommendation run (by recommendationId)",
            responses=problem_responses(401, 403, 404, 422, 429),
            openapi_extra={"x-required-permission": "recommendations:read"})
@in_one_call
def get_recommendation(item_id: ItemId, principal: Annotated[Principal, Depends(require("recommendations", "read"))],
                       conn: Connection) -> Any:
    return recs.get_run(conn, item_id)


@router.post("/{id}/decision", name="decide_recommendation", response_model=DecisionPublic,
             status_code=200, summary="Approve (creates a draft submission) or reject (with a reason) one item",
             responses={201: {"description": "Approved; a draft submission was created",
                              "model": DecisionPublic},
                        **problem_responses(401, 403, 404, 409, 413, 422, 429)},
             openapi_extra={"x-required-permission": "recommendations:decide"})
@in_one_call
def decide_recommendation(request: Request, item_id: ItemId, body: DecisionCreate,
                          principal: Annotated[Principal, Depends(require("recommendations", "decide"))],
                          conn: Connection, idempotency_key: IdempotencyKey = None) -> Any:
    def produce() -> idempotency.Outcome:
        status, out = recs.decide(conn, principal, request, item_id=item_id, decision=body.decision,
                                  reason=body.reason)
        return status, out, {}

    return idempotency.run_once(conn, principal, request, idempotency_key, body.model_dump(mode="json"), produce)
