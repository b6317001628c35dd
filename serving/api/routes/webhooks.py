"""Webhook endpoints (Admin/Owner): where domain events are delivered, signed with HMAC-SHA256."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.engine import Connection

from serving.api.crud import IdempotencyKey, ItemId
from serving.api.deps import Principal, in_one_call, request_id, require
from serving.errors import ProblemError, not_found, problem_responses
from serving.schemas.admin import WebhookCreate, WebhookDeliveriesPublic, WebhookPublic, WebhooksPublic, WebhookUpdate
from serving.services import idempotency
from serving.services.records import record_change
from serving.webhooks.urlguard import UnsafeWebhookUrl, check_url
from warehouse.repositories import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _check_destination(request: Request, url: str) -> None:
    """422 unless the URL resolves to public addresses only (checked again at every delivery)."""
    state = request.app.state
    try:
        check_url(url, state.webhook_policy, state.webhook_resolver)
    except UnsafeWebhookUrl as exc:
        raise ProblemError(422, "unsafe-webhook-url", "Unprocessable Content", f"url: {exc}",
                           errors=[{"loc": ["body", "url"], "msg": str(exc), "type": "unsafe_webhook_url"}]) from None


def _public(row: Any, secret: str | None = None) -> dict[str, Any]:
    return WebhookPublic.model_validate({**dict(row), "secret": secret}).model_dump(mode="json")


@router.get("", name="list_webhooks", response_model=WebhooksPublic, summary="Registered webhook endpoints",
            responses=problem_responses(401, 403, 422, 429), openapi_extra={"x-required-permission": "webhooks:read"})
@in_one_call
def list_webhooks(principal: Annotated[Principal, Depends(require("webhooks", "read"))], conn: Connection) -> Any:
    return {"data": [_public(r) for r in webhooks.list_endpoints(conn)], "nextCursor": None}


@router.post("", name="create_webhook", status_code=201, response_model=WebhookPublic,
             summary="Register an endpoint (the secret is returned once)",
             responses=problem_responses(401, 403, 413, 422, 429),
             openapi_extra={"x-required-permission": "webhooks:create"})
@in_one_call
def create_webhook(request: Request, body: WebhookCreate,
                   principal: Annotated[Principal, Depends(require("webhooks", "create"))], conn: Connection,
                   idempotency_key: IdempotencyKey = None) -> Any:
    _check_destination(request, body.url)

    def produce() -> idempotency.Outcome:
        secret = body.secret or secrets.token_urlsafe(32)
        row = webhooks.create_endpoint(conn, tenant_id=principal.tenant_id, url=body.url, secret=secret,
                                       event_types=body.event_types, active=body.active)
        public = _public(row)
        record_change(conn, principal, action="create", entity="webhook_endpoint", entity_id=row["id"],
                      before=None, after=public, request_id=request_id(request))
        return 201, {**public, "secret": secret}, {"Location": f"/v1/webhooks/{row['id']}"}

    return idempotency.run_once(conn, principal, request, idempotency_key, body.model_dump(mode="json"), produce)


@router.patch("/{id}", name="update_webhook", response_model=WebhookPublic, summary="Change or pause",
              responses=problem_responses(401, 403, 404, 413, 422, 429),
              openapi_extra={"x-required-permission": "webhooks:update"})
@in_one_call
def update_webhook(request: Request, item_id: ItemId, body: WebhookUpdate,
                   principal: Annotated[Principal, Depends(require("webhooks", "update"))], conn: Connection) -> Any:
    before = webhooks.lock_endpoint(conn, item_id)
    if before is None:
        raise not_found("webhook", item_id)
    values = body.model_dump(exclude_unset=True, exclude_none=True, by_alias=False)
    if "url" in values:
        _check_destination(request, values["url"])
    if not values:
        return _public(before)
    row = webhooks.update_endpoint(conn, item_id, values)
    public = _public(row)
    record_change(conn, principal, action="update", entity="webhook_endpoint", entity_id=item_id,
                  before=_public(before), after=public, request_id=request_id(request))
    return public


@router.delete("/{id}", name="delete_webhook", status_code=204, response_class=Response,
               summary="Remove an endpoint", responses=problem_responses(401, 403, 404, 422, 429),
               openapi_extra={"x-required-permission": "webhooks:delete"})
@in_one_call
def delete_webhook(request: Request, item_id: ItemId,
                   principal: Annotated[Principal, Depends(require("webhooks", "delete"))],
                   conn: Connection) -> Response:
    before = webhooks.delete_endpoint(conn, item_id)
    if before is None:
        raise not_found("webhook", item_id)
    record_change(conn, principal, action="delete", entity="webhook_endpoint", entity_id=item_id,
                  before=_public(before), after=None, request_id=request_id(request))
    return Response(status_code=204)


@router.get("/{id}/deliveries", name="list_webhook_deliveries", response_model=WebhookDeliveriesPublic,
            summary="Delivery attempts for an endpoint (latest 100)",
            responses=problem_responses(401, 403, 404, 422, 429),
            openapi_extra={"x-required-permission": "webhooks:read"})
@in_one_call
def list_webhook_deliveries(item_id: ItemId, principal: Annotated[Principal, Depends(require("webhooks", "read"))],
                            conn: Connection) -> Any:
    if not webhooks.endpoint_exists(conn, item_id):
        raise not_found("webhook", item_id)
    return {"data": webhooks.recent_deliveries(conn, item_id)}


