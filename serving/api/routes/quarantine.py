"""Quarantined inputs (messages, resumes) with the reason they were set aside."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, in_one_call, require
from serving.errors import problem_responses
from serving.schemas.admin import QuarantinePublic, QuarantinesPublic
from serving.schemas.base import ApiModel
from serving.services.pagination import decode_cursor, page
from warehouse.repositories import quarantine

router = APIRouter(prefix="/v1/quarantine", tags=["quarantine"])


class QuarantineQuery(ApiModel):
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)
    reason: str | None = Field(default=None, max_length=100)


@router.get("", name="list_quarantine", response_model=QuarantinesPublic, summary="Quarantined inputs",
            responses=problem_responses(400, 401, 403, 422, 429),
            openapi_extra={"x-required-permission": "quarantine:read"})
@in_one_call
def list_quarantine(principal: Annotated[Principal, Depends(require("quarantine", "read"))], conn: Connection,
                    query: Annotated[QuarantineQuery, Query()]) -> Any:
    rows = quarantine.keyset_page(conn, reason=query.reason, after=decode_cursor(query.cursor),
                                  limit=query.limit + 1)
    rows, next_cursor = page(rows, query.limit)
    return {"data": [QuarantinePublic.model_validate(r).model_dump(mode="json") for r in rows],
            "nextCursor": next_cursor}
