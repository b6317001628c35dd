"""crm.webhook_endpoint and crm.webhook_event: the endpoints a tenant registers, and the delivery queue the
dispatcher fans the outbox out into, leases, and records outcomes on (see serving.webhooks.dispatcher)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

_COLS = "id, url, event_types, active, created_at"
# Endpoint fields an update may set (the names come from here, never from the client).
UPDATABLE = frozenset({"url", "event_types", "active"})


# ------------------------------------------------------------------------------------------------ endpoints


def list_endpoints(conn: sa.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.text(
        f"select {_COLS} from crm.webhook_endpoint order by created_at, id")).mappings()]


def create_endpoint(conn: sa.Connection, *, tenant_id: uuid.UUID, url: str, secret: str, event_types: list[str],
                    active: bool) -> dict[str, Any]:
    return dict(conn.execute(sa.text(
        "insert into crm.webhook_endpoint (tenant_id, url, secret, event_types, active) "
        f"values (:t, :u, :s, :e, :a) returning {_COLS}"),
        {"t": tenant_id, "u": url, "s": secret, "e": event_types, "a": active}).mappings().one())


def lock_endpoint(conn: sa.Connection, endpoint_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.text(f"select {_COLS} from crm.webhook_endpoint where id = :id for update"),
                       {"id": endpoint_id}).mappings().first()
    return dict(row) if row is not None else None


def update_endpoint(conn: sa.Connection, endpoint_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable on crm.webhook_endpoint: {sorted(unknown)}")
    sets = ", ".join(f"{c} = :{c}" for c in values)
    return dict(conn.execute(sa.text(f"update crm.webhook_endpoint set {sets} where id = :id returning {_COLS}"),
                             {**values, "id": endpoint_id}).mappings().one())


def delete_endpoint(conn: sa.Connection, endpoint_id: uuid.UUID) -> dict[str, Any] | None:
    """Delete and return the endpoint as it was (its deliveries go with it); None when absent."""
    row = conn.execute(sa.text(f"delete from crm.webhook_endpoint where id = :id returning {_COLS}"),
                       {"id": endpoint_id}).mappings().first()
    return dict(row) if row is not None else None


def endpoint_exists(conn: sa.Connection, endpoint_id: uuid.UUID) -> bool:
    return conn.execute(sa.text("select 1 from crm.webhook_endpoint where id = :id"),
                        {"id": endpoint_id}).scalar() is not None


def recent_deliveries(conn: sa.Connection, endpoint_id: uuid.UUID, *, limit: int = 100) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.text(
        "select id, endpoint_id, outbox_event_id as event_id, status, attempts, next_attempt_at, last_error, "
        "delivered_at from crm.webhook_event where endpoint_id = :id order by created_at desc limit :n"),
        {"id": endpoint_id, "n": limit}).mappings()]


# ------------------------------------------------------------------------------------------------ delivery queue


def lock_undispatched(conn: sa.Connection, *, limit: int) -> list[dict[str, Any]]:
    """The oldest outbox rows not fanned out yet, locked (skipping rows another dispatcher holds)."""
    return [dict(r) for r in conn.execute(sa.text(
        "select id, tenant_id, event_id, event_type from crm.outbox where dispatched_at is null "
        "order by id limit :n for update skip locked"), {"n": limit}).mappings()]


def active_endpoints(conn: sa.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.text(
        "select id, event_types from crm.webhook_endpoint where active")).mappings()]


def enqueue(conn: sa.Connection, *, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, event_id: uuid.UUID) -> None:
    """One delivery of an event to an endpoint (a repeat is a no-op)."""
    conn.execute(sa.text(
        "insert into crm.webhook_event (tenant_id, endpoint_id, outbox_event_id) values (:t, :e, :ev) "
        "on conflict (tenant_id, endpoint_id, outbox_event_id) do nothing"),
        {"t": tenant_id, "e": endpoint_id, "ev": event_id})


def mark_dispatched(conn: sa.Connection, outbox_ids: Sequence[int]) -> None:
    conn.execute(sa.text("update crm.outbox set dispatched_at = now() where id = any(:ids)"),
                 {"ids": list(outbox_ids)})


def lease_due(conn: sa.Connection, *, now: datetime, token: uuid.UUID, lease: timedelta, limit: int
              ) -> list[dict[str, Any]]:
    """Due deliveries not leased by a live dispatcher, locked and skipped by concurrent leasers, stamped with
    `token` until `now + lease`: each with its endpoint's url and secret and its outbox event."""
    rows = [dict(r) for r in conn.execute(sa.text(
        "select we.id, we.attempts, ep.url, ep.secret, o.event_id, o.event_type, o.aggregate_type, o.aggregate_id, "
        "o.payload, o.created_at, o.tenant_id from crm.webhook_event we "
        "join crm.webhook_endpoint ep on ep.id = we.endpoint_id "
        "join crm.outbox o on o.event_id = we.outbox_event_id "
        "where we.status in ('pending', 'failed') and we.next_attempt_at <= :now "
        "and (we.leased_until is null or we.leased_until <= :now) "
        "order by we.next_attempt_at limit :n for update of we skip locked"), {"now": now, "n": limit}).mappings()]
    if rows:
        conn.execute(sa.text("update crm.webhook_event set lease_token = :token, leased_until = :until "
                             "where id = any(:ids)"),
                     {"token": token, "until": now + lease, "ids": [r["id"] for r in rows]})
    return rows


def record_delivered(conn: sa.Connection, delivery_id: uuid.UUID, *, attempts: int, token: uuid.UUID) -> bool:
    """Mark delivered if `token` still holds the lease; False when it does not (nothing changed)."""
    return bool(conn.execute(sa.text(
        "update crm.webhook_event set status = 'delivered', attempts = :a, delivered_at = now(), "
        "last_error = null, lease_token = null, leased_until = null where id = :id and lease_token = :tok"),
        {"a": attempts, "id": delivery_id, "tok": token}).rowcount)


def record_failed(conn: sa.Connection, delivery_id: uuid.UUID, *, status: str, attempts: int, error: str,
                  retry_in: timedelta, token: uuid.UUID) -> bool:
    """Record a failed attempt (status 'failed', due again after `retry_in`, or 'dead') if `token` still holds the
    lease; False when it does not."""
    return bool(conn.execute(sa.text(
        "update crm.webhook_event set status = :s, attempts = :a, last_error = :err, "
        "next_attempt_at = now() + :delay, lease_token = null, leased_until = null "
        "where id = :id and lease_token = :tok"),
        {"s": status, "a": attempts, "err": error, "delay": retry_in, "id": delivery_id, "tok": token}).rowcount)


def tenants_with_work(conn: sa.Connection) -> list[uuid.UUID]:
    """Tenants with outbox rows to fan out or deliveries due (an owner connection: the only cross-tenant read)."""
    return list(conn.execute(sa.text(
        "select distinct tenant_id from crm.outbox where dispatched_at is null "
        "union select distinct tenant_id from crm.webhook_event "
        "where status in ('pending', 'failed') and next_attempt_at <= now() "
        "and (leased_until is null or leased_until <= now())")).scalars())
