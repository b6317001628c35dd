"""Request dependencies: the principal from the JWT, permission checks, and the tenant-scoped transaction.

`tenant_transaction` is one transaction as the non-owner application role with `SET LOCAL app.tenant_id` set from
the token (never from the request body or path), so Postgres RLS isolates tenants whatever the handler does. Routes
get it through `in_one_call` (or `in_tenant`), all in one worker-thread call: it commits before the response is
sent, and rolls back if the handler raises. `read_once` runs a read route's one statement the same way, on the event
loop.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from serving.auth.tokens import AuthError
from serving.context import Principal, request_id  # noqa: F401  (routes take both from here)
from serving.errors import ProblemError
from serving.ratelimit import BudgetName, SharedRateLimiter, retry_after_header
from warehouse.db import set_tenant_and_timeout
from warehouse.loop_connections import LoopConnections, read_in_one_round_trip
from warehouse.placement import MOVE_RETRY_AFTER_SECONDS, TenantMoving
from warehouse.repositories.records import Query

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="RS256 access token (`benchcrm token` prints one)")


def _actor_uuid(issuer: str, subject: str) -> uuid.UUID:
    try:
        return uuid.UUID(subject)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}#{subject}")


def _unauthorized(detail: str) -> ProblemError:
    safe = detail.replace('"', "'")
    return ProblemError(401, "unauthorized", "Unauthorized", detail,
                        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{safe}"'})


async def _charge(request: Request, budget: BudgetName, subject: uuid.UUID | str,
                  tenant_id: uuid.UUID | None = None) -> None:
    """429 with Retry-After when the budget's shared bucket for this subject is empty."""
    limiter: SharedRateLimiter | None = request.app.state.rate_limiter
    if limiter is None:  # the lifespan has not run (no engine yet)
        return
    if tenant_id is not None:  # a tenant's buckets live on its own server, like its rows (warehouse/placement.py)
        router = request.app.state.router
        placement = router.cached_placement(tenant_id) or await run_in_threadpool(router.placement, tenant_id)
        server = placement.server
        limiter = request.app.state.rate_limiters.get(server, limiter)
    wait = await limiter.take(budget, subject, tenant_id=tenant_id)
    if wait is not None:
        who = "client address" if budget == "anonymous" else "tenant"
        raise ProblemError(429, "rate-limited", "Too Many Requests",
                           f"{budget} rate limit per {who} exceeded ({limiter.budgets[budget].describe()})",
                           headers={"Retry-After": retry_after_header(wait)})


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_principal(request: Request,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """On the event loop: a known token and tenant are answered from memory and the rate limit is awaited, so
    authenticating costs a request no worker-thread hop (docs/adr/0037); only a token or tenant not seen lately is
    checked in a worker thread, since that may fetch a key set or query the database."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        await _charge(request, "anonymous", _client_address(request))
        raise ProblemError(401, "unauthorized", "Unauthorized", "missing bearer token",
                           headers={"WWW-Authenticate": "Bearer"})
    state = request.app.state
    token = credentials.credentials
    try:
        claims = state.verifier.cached(token) or await run_in_threadpool(state.verifier.verify, token)
    except AuthError as exc:
        await _charge(request, "anonymous", _client_address(request))
        raise _unauthorized(str(exc)) from None
    exists = state.tenants.cached(claims.tenant_id)
    if exists is None:
        exists = await run_in_threadpool(state.tenants.exists, claims.tenant_id, state.router)
    if not exists:
        # Signed, but for a tenant that does not exist: the same answer as any other bad token.
        await _charge(request, "anonymous", _client_address(request))
        raise _unauthorized("the token is not valid for this service")
    await _charge(request, "api", claims.tenant_id, claims.tenant_id)
    principal = Principal(
        subject=claims.subject, actor_id=_actor_uuid(state.settings.jwt_iss, claims.subject),
        tenant_id=claims.tenant_id, role=claims.role, is_service_account=claims.is_service_account,
        permissions=state.permissions.get(claims.role, frozenset()))
    request.state.tenant_id = str(claims.tenant_id)
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def charge_expensive(request: Request, principal: CurrentUser) -> None:
    """Route dependency of extraction and imports: their own, smaller per-tenant budget on top of `api`."""
    await _charge(request, "expensive", principal.tenant_id, principal.tenant_id)


def require(resource: str, action: str) -> Callable[[Principal], Principal]:
    """Dependency that answers 403 (naming the permission) unless the principal's role grants it."""

    async def _check(principal: CurrentUser) -> Principal:  # no I/O: runs on the event loop, no thread hop
        if not principal.can(resource, action):
            raise ProblemError(403, "forbidden", "Forbidden",
                               f"role {principal.role} lacks permission {resource}:{action}",
                               missingPermission=f"{resource}:{action}", role=principal.role)
        return principal

    _check.permission = (resource, action)  # type: ignore[attr-defined]  # read by the OpenAPI decorator
    return _check


async def ranking_slot(request: Request) -> AsyncIterator[None]:
    """A recommendation request waits here, on the event loop, for one of the process's
    `settings.ranking_concurrency` slots before it takes a database connection: waiting costs neither a thread nor
    a pooled connection, so a burst queues instead of timing out on the pool (503), and the rankings that run do
    not compete with each other and every other request for the interpreter."""
    async with request.app.state.ranking_slots:
        yield


RankingSlot = Annotated[None, Depends(ranking_slot)]


STATEMENT_TIMEOUT_MS = 15_000  # no request holds a connection (and its locks) longer than this per statement


def _moving(exc: TenantMoving) -> ProblemError:
    return ProblemError(503, "tenant-moving", "Service Unavailable", str(exc),
                        headers={"Retry-After": str(MOVE_RETRY_AFTER_SECONDS)})


def tenant_engine(request: Request, principal: Principal) -> Engine:
    """The tenant's own server (warehouse/placement.py); 503 with Retry-After while the tenant is being moved."""
    try:
        return request.app.state.router.engine_for_tenant(principal.tenant_id)
    except TenantMoving as exc:
        raise _moving(exc) from None


async def tenant_reads(request: Request, principal: Principal) -> LoopConnections:
    """The event loop's connections to the tenant's own server, as `tenant_engine` picks it (the placement is
    known from memory after the rate limit's charge; asked in a worker thread otherwise)."""
    router, tenant_id = request.app.state.router, principal.tenant_id
    placement = router.cached_placement(tenant_id) or await run_in_threadpool(router.placement, tenant_id)
    try:
        return request.app.state.read_connections[router.serving_server(placement)]
    except TenantMoving as exc:
        raise _moving(exc) from None


@contextmanager
def tenant_transaction(request: Request, principal: Principal) -> Iterator[Connection]:
    with tenant_engine(request, principal).begin() as conn:
        set_tenant_and_timeout(conn, principal.tenant_id, STATEMENT_TIMEOUT_MS)
        yield conn


async def in_tenant(request: Request, principal: Principal, work: Callable[[Connection], T]) -> T:
    """`work` in the tenant's transaction, all of it (connection, queries, commit) in ONE worker-thread call; it
    commits before returning, so before the response. Under load each call into the thread pool waits for a core
    and the interpreter again (docs/adr/0037)."""
    def run() -> T:
        with tenant_transaction(request, principal) as conn:
            return work(conn)

    return await run_in_threadpool(run)


def in_one_call(handler: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Route decorator: the sync `handler`, which takes `conn` and `principal`, runs whole in the tenant's
    transaction in one worker-thread call (`in_tenant`), and FastAPI validates its response on the event loop.
    FastAPI sees the handler's parameters without `conn` (and with a `Request` if it had none). A sync handler
    with a yield dependency for its connection costs four calls: enter, handler, response validation, exit
    (docs/adr/0037)."""
    signature = inspect.signature(handler)
    if not {"conn", "principal"} <= signature.parameters.keys():
        raise TypeError(f"{handler.__qualname__} must take `conn` and `principal`")
    params = [p for name, p in signature.parameters.items() if name != "conn"]
    request_name = next((name for name, p in signature.parameters.items() if p.annotation is Request), None)
    if request_name is None:
        request_name = "_request"
        params.insert(0, inspect.Parameter(request_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request))

    async def endpoint(**kwargs: Any) -> T:
        request = kwargs[request_name] if request_name in signature.parameters else kwargs.pop(request_name)
        return await in_tenant(request, kwargs["principal"], lambda conn: handler(conn=conn, **kwargs))

    # Not functools.wraps: FastAPI must see a coroutine function with this signature, not unwrap to the handler.
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(endpoint, attribute, getattr(handler, attribute))
    endpoint.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return endpoint


async def read_once(request: Request, principal: Principal, query: Query,
                    then: Callable[[list[dict[str, Any]]], T]) -> T:
    """A read route's one statement as the tenant in one round trip (`read_in_one_round_trip`), awaited on the
    event loop, and `then` (what makes the response of its rows) there too: no worker-thread hop, which under load
    cost a get by id two more waits for a core (docs/adr/0039)."""
    rows = await read_in_one_round_trip(await tenant_reads(request, principal), principal.tenant_id,
                                        STATEMENT_TIMEOUT_MS, query.sql, query.params)
    return then(rows)
