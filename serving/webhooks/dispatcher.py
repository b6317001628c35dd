"""Deliver outbox events to registered webhook endpoints.

One pass per tenant, each step in its own short transaction as the application role (RLS applies):
1. fan-out: every undispatched outbox row becomes one `crm.webhook_event` per matching active endpoint, and the
   outbox row is marked dispatched (same transaction, so a crash repeats the step at worst, and the unique
   (endpoint, event) key makes the repeat harmless);
2. delivery: due events are claimed with `FOR UPDATE SKIP LOCKED` (several dispatchers never send the same event at
   once), POSTed with an HMAC signature, and marked delivered; a failure is retried with exponential backoff and,
   after `MAX_ATTEMPTS`, left `dead` for inspection (the dead-letter state).
Consumers deduplicate on `BenchCRM-Event-Id` (at-least-once delivery).

Which tenants have work is read with the owner engine (the only cross-tenant read), since RLS hides other tenants
from the application role by design.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from serving.webhooks.signing import sign
from warehouse.db import set_tenant
from warehouse.settings import Settings

log = logging.getLogger("serving.webhooks")

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 3600.0
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """2s, 4s, 8s, ... capped at an hour."""
    return timedelta(seconds=min(BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _matches(patterns: list[str], event_type: str) -> bool:
    return any(fnmatchcase(event_type, p) for p in patterns)


def fan_out(conn: Connection) -> int:
    """Turn undispatched outbox rows (of the connection's tenant) into webhook deliveries; returns rows handled."""
    events = conn.execute(sa.text(
        "select id, tenant_id, event_id, event_type from crm.outbox where dispatched_at is null "
        "order by id limit :n for update skip locked"), {"n": BATCH}).mappings().all()
    if not events:
        return 0
    endpoints = conn.execute(sa.text(
        "select id, event_types from crm.webhook_endpoint where active")).mappings().all()
    for event in events:
        for endpoint in endpoints:
            if _matches(list(endpoint["event_types"]), event["event_type"]):
                conn.execute(sa.text(
                    "insert into crm.webhook_event (tenant_id, endpoint_id, outbox_event_id) values (:t, :e, :ev) "
                    "on conflict (tenant_id, endpoint_id, outbox_event_id) do nothing"),
                    {"t": event["tenant_id"], "e": endpoint["id"], "ev": event["event_id"]})
    conn.execute(sa.text("update crm.outbox set dispatched_at = now() where id = any(:ids)"),
                 {"ids": [e["id"] for e in events]})
    return len(events)


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    url: str
    secret: str
    event_id: uuid.UUID
    event_type: str
    body: bytes
    attempts: int


def _claim(conn: Connection, now: datetime) -> list[Delivery]:
    rows = conn.execute(sa.text(
        "select we.id, we.attempts, ep.url, ep.secret, o.event_id, o.event_type, o.aggregate_type, o.aggregate_id, "
        "o.payload, o.created_at, o.tenant_id from crm.webhook_event we "
        "join crm.webhook_endpoint ep on ep.id = we.endpoint_id "
        "join crm.outbox o on o.event_id = we.outbox_event_id "
        "where we.status in ('pending', 'failed') and we.next_attempt_at <= :now "
        "order by we.next_attempt_at limit :n for update of we skip locked"), {"now": now, "n": BATCH}).mappings()
    out = []
    for r in rows:
        body = json.dumps({"id": str(r["event_id"]), "type": r["event_type"], "tenantId": str(r["tenant_id"]),
                           "aggregateType": r["aggregate_type"],
                           "aggregateId": str(r["aggregate_id"]) if r["aggregate_id"] else None,
                           "createdAt": r["created_at"].isoformat(), "data": r["payload"]},
                          separators=(",", ":"), default=str).encode()
        out.append(Delivery(r["id"], r["url"], r["secret"], r["event_id"], r["event_type"], body, r["attempts"]))
    return out


def _send(client: httpx.Client, delivery: Delivery) -> str | None:
    """POST once; None on a 2xx, else the error to record."""
    ts = int(time.time())
    headers = {"Content-Type": "application/json", "BenchCRM-Event-Id": str(delivery.event_id),
               "BenchCRM-Event-Type": delivery.event_type, "BenchCRM-Timestamp": str(ts),
               "BenchCRM-Signature": sign(delivery.secret, ts, delivery.body), "User-Agent": "BenchCRM-Webhooks/1"}
    try:
        response = client.post(delivery.url, content=delivery.body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def deliver_due(engine: Engine, tenant_id: uuid.UUID, client: httpx.Client, *, now: datetime | None = None) -> dict:
    """Claim due deliveries, send them, record the outcome. Returns counts by outcome."""
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        deliveries = _claim(conn, now or datetime.now(UTC))
        # The claim's row locks are held while sending, so a second dispatcher skips these rows; timeouts bound it.
        for d in deliveries:
            error = _send(client, d)
            attempts = d.attempts + 1
            if error is None:
                conn.execute(sa.text(
                    "update crm.webhook_event set status = 'delivered', attempts = :a, delivered_at = now(), "
                    "last_error = null where id = :id"), {"a": attempts, "id": d.id})
                counts["delivered"] += 1
            else:
                status = "dead" if attempts >= MAX_ATTEMPTS else "failed"
                conn.execute(sa.text(
                    "update crm.webhook_event set status = :s, attempts = :a, last_error = :err, "
                    "next_attempt_at = now() + :delay where id = :id"),
                    {"s": status, "a": attempts, "err": error, "delay": backoff(attempts), "id": d.id})
                counts[status] += 1
                log.warning("webhook delivery failed", extra={"event_id": str(d.event_id), "attempts": attempts,
                                                              "status": status, "error": error})
    return counts


def dispatch_tenant(engine: Engine, tenant_id: uuid.UUID, client: httpx.Client) -> dict:
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        fanned = fan_out(conn)
    return {"fanned_out": fanned, **deliver_due(engine, tenant_id, client)}


def tenants_with_work(admin: Engine) -> list[uuid.UUID]:
    with admin.connect() as conn:
        return list(conn.execute(sa.text(
            "select distinct tenant_id from crm.outbox where dispatched_at is null "
            "union select distinct tenant_id from crm.webhook_event "
            "where status in ('pending', 'failed') and next_attempt_at <= now()")).scalars())


def run_dispatcher(settings: Settings, stop: threading.Event, *, interval_seconds: float = 1.0) -> None:
    """The worker loop the main command starts beside the API (until `stop` is set)."""
    from warehouse.db import admin_engine, app_engine

    app, admin = app_engine(settings), admin_engine(settings)
    with httpx.Client(timeout=httpx.Timeout(5.0), follow_redirects=False) as client:
        while not stop.is_set():
            try:
                for tenant_id in tenants_with_work(admin):
                    dispatch_tenant(app, tenant_id, client)
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("webhook dispatch pass failed")
            stop.wait(interval_seconds)
