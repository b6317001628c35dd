"""RFC 9457 problem details: every error the API answers is `application/problem+json`, nothing answers 500
unless something is truly broken (and then the body still is a problem, without internals)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("serving.errors")

PROBLEM_TYPE_BASE = "https://benchcrm.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details (extension members allowed)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": "https://benchcrm.dev/problems/forbidden", "title": "Forbidden", "status": 403,
        "detail": "role ReadOnly lacks permission consultants:create", "instance": "/v1/consultants",
        "missingPermission": "consultants:create"}]})

    type: str = Field(default="about:blank", description="URI identifying the problem type")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class ProblemError(Exception):
    """Raise anywhere on the request path to answer a problem+json with the given status."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail or title)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers or {}
        self.extensions = extensions


def not_found(entity: str, entity_id: Any) -> ProblemError:
    return ProblemError(404, "not-found", "Not Found", f"{entity} {entity_id} not found")


def problem_response(request: Request | None, status: int, slug: str, title: str, detail: str | None = None,
                     headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["requestId"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_STATUS_SLUGS = {
    400: ("bad-request", "Bad Request"), 401: ("unauthorized", "Unauthorized"), 403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not Found"), 405: ("method-not-allowed", "Method Not Allowed"),
    406: ("not-acceptable", "Not Acceptable"), 409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition Failed"), 413: ("payload-too-large", "Content Too Large"),
    415: ("unsupported-media-type", "Unsupported Media Type"), 422: ("validation-error", "Unprocessable Content"),
    428: ("precondition-required", "Precondition Required"), 429: ("rate-limited", "Too Many Requests"),
    503: ("unavailable", "Service Unavailable"),
}


# While the database is away every request answers 503 at once (a refused connection fails in milliseconds); the
# pools replace the connections it closed on their next checkout (warehouse/db.py, docs/adr/0037), so clients only
# need to retry, with the same Idempotency-Key for POSTs (the key is stored in the write's own transaction: never lost, never doubled).
DB_UNAVAILABLE_DETAIL = "the database is unreachable; retry later"
DB_RETRY_AFTER_SECONDS = 1


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
                    "type": str(err.get("type", ""))})
    return out


def _record_noun(orig: Exception) -> str:
    """"a submission" when the table is one the API exposes under that name, else "a record"."""
    from warehouse.repositories import crm_tables
    from warehouse.repositories.records import TableSpec

    table = getattr(getattr(orig, "diag", None), "table_name", None)
    public = {spec.table: spec.entity for spec in vars(crm_tables).values() if isinstance(spec, TableSpec)}
    if table not in public:
        return "a record"
    return f"{'an' if public[table][0] in 'aeiou' else 'a'} {public[table]}"


def _db_problem(exc: Exception) -> tuple[int, str, str, str] | None:
    """Map a database error caused by the input to a 4xx; None when it is a genuine server fault.

    Details are generic on purpose: the database's own message names constraints, columns and internal limits
    (`submission_tenant_id_consultant_id_fkey`, "timestamp too large (after year 10K)", NUL bytes), which tell a
    caller about our schema and nothing they can act on better than the generic sentence."""
    import psycopg.errors as pe
    from sqlalchemy.exc import DBAPIError

    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, pe.UniqueViolation):
        return 409, "conflict", "Conflict", f"{_record_noun(orig)} with the same unique key already exists"
    if isinstance(orig, pe.ForeignKeyViolation):
        return 422, "unknown-reference", "Unprocessable Content", "a referenced record does not exist"
    if isinstance(orig, pe.CheckViolation | pe.NotNullViolation):
        return 422, "constraint-violation", "Unprocessable Content", "a value is outside what the field allows"
    if isinstance(orig, pe.QueryCanceled):
        return 503, "query-timeout", "Service Unavailable", "the query took too long; narrow the filters and retry"
    if isinstance(orig, pe.SerializationFailure | pe.DeadlockDetected | pe.LockNotAvailable):
        return 409, "concurrent-update", "Conflict", "a concurrent change conflicted with this one; retry"
    if isinstance(orig, pe.OperationalError | pe.InterfaceError) or type(orig).__name__ == "OperationalError":
        # connection refused, server shutting down or starting up, a connection dropped mid-request, a closed one
        return 503, "database-unavailable", "Service Unavailable", DB_UNAVAILABLE_DETAIL
    if isinstance(orig, pe.DataError) or type(orig).__name__ == "DataError":
        return 422, "invalid-value", "Unprocessable Content", (
            "a value is out of range or not valid for its field (text must not contain NUL characters)")
    return None


def install_problem_handlers(app: FastAPI) -> None:
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as SqlalchemyTimeout

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.headers, **exc.extensions)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _STATUS_SLUGS.get(exc.status_code, ("http-error", "HTTP Error"))
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, slug, title, detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        return problem_response(request, 422, "validation-error", "Unprocessable Content", detail, errors=errors)

    @app.exception_handler(DBAPIError)
    async def _db(request: Request, exc: DBAPIError) -> JSONResponse:
        mapped = _db_problem(exc)
        if mapped is None:
            log.exception("database error", extra={"path": request.url.path})
            return problem_response(request, 500, "internal", "Internal Server Error", "unexpected database error")
        status, slug, title, detail = mapped
        headers = {"Retry-After": str(DB_RETRY_AFTER_SECONDS)} if status == 503 else None
        return problem_response(request, status, slug, title, detail, headers)

    @app.exception_handler(SqlalchemyTimeout)
    async def _pool_timeout(request: Request, exc: SqlalchemyTimeout) -> JSONResponse:
        # every pooled connection busy (e.g. stuck on a dying server): as unavailable as a refused connection
        return problem_response(request, 503, "database-unavailable", "Service Unavailable", DB_UNAVAILABLE_DETAIL,
                                {"Retry-After": str(DB_RETRY_AFTER_SECONDS)})

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(request, 500, "internal", "Internal Server Error", "unexpected error")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem+json for the given statuses (schema added by main)."""
    out: dict[int | str, dict[str, Any]] = {}
    # 400 is possible everywhere: an unparseable body, a bad cursor or If-Match
    for status in sorted({400, *statuses}):
        slug, title = _STATUS_SLUGS.get(status, ("error", "Error"))
        example = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status}
        out[status] = {"description": title, "content": {PROBLEM_MEDIA_TYPE: {
            "schema": {"$ref": "#/components/schemas/Problem"}, "example": example}}}
    return out
