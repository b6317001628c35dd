"""One router per CRUD resource, built from its table spec and schemas: list (cursor, filters, `q`), get, create
(`Idempotency-Key`), update (PATCH + `If-Match`), soft delete. Handlers stay thin; SQL lives in
warehouse.repositories.records and side effects (audit, outbox) in serving.services.records.

(No `from __future__ import annotations` here: FastAPI reads the generated handlers' annotations at runtime.)
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model
from sqlalchemy.engine import Connection

from serving import privacy
from serving.api.deps import Principal, in_one_call, read_once, request_id, require
from serving.errors import ProblemError, not_found, problem_responses
from serving.schemas.base import ApiModel
from serving.services import idempotency, records
from serving.services.pagination import decode_cursor, page
from warehouse.repositories import records as repo
from warehouse.repositories.records import TableSpec

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
    description="Retry-safe POST: the same key and body return the first response and create nothing twice")]
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=40, description='The ETag (`"<version>"`) you based the change on; 412 if stale')]
ItemId = Annotated[uuid.UUID, Path(alias="id", description="Record id (UUID)")]

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if not match:
        raise ProblemError(400, "invalid-if-match", "Bad Request", 'If-Match must be an ETag such as "3"')
    return int(match[1])


def etag(version: int) -> str:
    return f'"{version}"'


class ListQuery(ApiModel):
    cursor: str | None = Field(default=None, max_length=200, description="From the previous page's nextCursor")
    limit: int = Field(default=50, ge=1, le=200)
    q: str | None = Field(default=None, min_length=1, max_length=200, description="Full-text search")


def list_query(name: str, filters: dict[str, Any]) -> type[ListQuery]:
    """The list endpoint's query model: paging + `q` + equality filters (unknown parameters are a 422)."""
    fields = {k: (v | None, Field(default=None)) for k, v in filters.items()}
    return create_model(name, __base__=ListQuery, **fields)


Hook = Callable[[Connection, Principal, dict[str, Any]], dict[str, Any]]
UpdateHook = Callable[[Connection, Principal, dict[str, Any], dict[str, Any]], dict[str, Any]]


@dataclass
class Resource:
    name: str                                 # URL segment and permission resource, e.g. "consultants"
    spec: TableSpec
    create: type[ApiModel]
    update: type[ApiModel]
    public: type[BaseModel]
    page: type[BaseModel]
    filters: dict[str, Any] = field(default_factory=dict)   # snake_case name -> python type
    before_create: Hook | None = None
    before_update: UpdateHook | None = None
    extra_create_responses: tuple[int, ...] = ()

    def to_public(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.public.model_validate(row).model_dump(mode="json", by_alias=True)

    def public_for(self, principal: Principal, row: dict[str, Any]) -> dict[str, Any]:
        """The record as this principal may see it (contact data masked for reading-only roles)."""
        return privacy.for_role(principal.role, self.spec.entity, self.to_public(row))


def _permission_extra(resource: str, action: str) -> dict[str, Any]:
    return {"x-required-permission": f"{resource}:{action}"}


def crud_router(res: Resource, *, tag: str | None = None) -> APIRouter:
    tag = tag or res.name
    router = APIRouter(prefix=f"/v1/{res.name}", tags=[tag])
    entity = res.spec.entity
    Query_ = list_query(f"{res.public.__name__.removesuffix('Public')}ListQuery", res.filters)
    CreateModel, UpdateModel, PublicModel, PageModel = res.create, res.update, res.public, res.page
    ReadPerm = Annotated[Principal, Depends(require(res.name, "read"))]
    CreatePerm = Annotated[Principal, Depends(require(res.name, "create"))]
    UpdatePerm = Annotated[Principal, Depends(require(res.name, "update"))]
    DeletePerm = Annotated[Principal, Depends(require(res.name, "delete"))]

    @router.get("", name=f"list_{res.name}", response_model=PageModel,
                summary=f"List {res.name} (newest first, cursor-paginated)",
                responses=problem_responses(400, 401, 403, 422, 429),
                openapi_extra=_permission_extra(res.name, "read"))
    async def list_items(request: Request, principal: ReadPerm, query: Annotated[Query_, Query()]) -> Any:
        filters = {k: getattr(query, k) for k in res.filters}
        after = decode_cursor(query.cursor)

        def respond(rows: list[dict[str, Any]]) -> dict[str, Any]:
            rows, next_cursor = page(repo.opened(res.spec, rows), query.limit)
            return {"data": [res.public_for(principal, r) for r in rows], "nextCursor": next_cursor}

        return await read_once(request, principal, repo.list_query(
            res.spec, filters=filters, q=query.q, after=after, limit=query.limit + 1), respond)

    @router.post("", name=f"create_{entity}", status_code=201, response_model=PublicModel,
                 summary=f"Create a {entity}",
                 responses=problem_responses(401, 403, 409, 413, 422, 429, *res.extra_create_responses),
                 openapi_extra=_permission_extra(res.name, "create"))
    @in_one_call
    def create_item(request: Request, principal: CreatePerm, conn: Connection, body: CreateModel,
                    idempotency_key: IdempotencyKey = None) -> Any:
        payload = body.model_dump(mode="json", exclude_none=True)

        def produce() -> idempotency.Outcome:
            values = body.model_dump(exclude_none=True, by_alias=False)
            if res.before_create is not None:
                values = res.before_create(conn, principal, values)
            row, public = records.create(conn, principal, res.spec, values, to_public=res.to_public,
                                         request_id=request_id(request))
            return 201, privacy.for_role(principal.role, entity, public), {"ETag": etag(row["version"]), "Location": f"/v1/{res.name}/{row['id']}"}

        return idempotency.run_once(conn, principal, request, idempotency_key, payload, produce)

    @router.get("/{id}", name=f"get_{entity}", response_model=PublicModel, summary=f"Get a {entity}",
                responses=problem_responses(401, 403, 404, 422, 429),
                openapi_extra=_permission_extra(res.name, "read"))
    async def get_item(request: Request, item_id: ItemId, principal: ReadPerm) -> Any:
        def respond(rows: list[dict[str, Any]]) -> JSONResponse:
            if not rows:
                raise not_found(entity, item_id)
            row = repo.opened(res.spec, rows)[0]
            return JSONResponse(res.public_for(principal, row), headers={"ETag": etag(row["version"])})

        return await read_once(request, principal, repo.get_query(res.spec, item_id), respond)

    @router.patch("/{id}", name=f"update_{entity}", response_model=PublicModel,
                  summary=f"Update a {entity} (send If-Match with its ETag)",
                  responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 429),
                  openapi_extra=_permission_extra(res.name, "update"))
    @in_one_call
    def update_item(request: Request, item_id: ItemId, principal: UpdatePerm, conn: Connection, body: UpdateModel,
                    if_match: IfMatch = None) -> Any:
        expected = parse_if_match(if_match)
        before = repo.get_row(conn, res.spec, item_id, for_update=True)
        if before is None:
            raise not_found(entity, item_id)
        values = body.model_dump(exclude_unset=True, by_alias=False)
        if res.before_update is not None and values:
            values = res.before_update(conn, principal, before, values)
        row, public = records.update(conn, principal, res.spec, item_id, values, expected_version=expected,
                                     to_public=res.to_public, request_id=request_id(request), before=before)
        public = privacy.for_role(principal.role, entity, public)
        return JSONResponse(public, headers={"ETag": etag(row["version"])})

    @router.delete("/{id}", name=f"delete_{entity}", status_code=204, response_class=Response,
                   summary=f"Delete a {entity} (soft, audited)",
                   responses=problem_responses(400, 401, 403, 404, 412, 422, 429),
                   openapi_extra=_permission_extra(res.name, "delete"))
    @in_one_call
    def delete_item(request: Request, item_id: ItemId, principal: DeletePerm, conn: Connection,
                    if_match: IfMatch = None) -> Response:
        records.delete(conn, principal, res.spec, item_id, expected_version=parse_if_match(if_match),
                       to_public=res.to_public, request_id=request_id(request))
        return Response(status_code=204)

    return router
