"""Deliver outbox events to registered webhook endpoints.

One pass per tenant, each step in its own short transaction as the application role (RLS applies):
1. fan-out: every undispatched outbox row becomes one `crm.webhook_event` per matching active endpoint, and the
   outbox row is marked dispatched (same transaction, so a crash repeats the step at worst, and the unique
   (endpoint, event) key makes the repeat harmless);
2. delivery: due events are leased in one short transaction (`FOR UPDATE SKIP LOCKED`, then a lease token and
   `leased_until` stamped and committed, so several dispatchers never send the same event at once and no
   transaction stays open across HTTP); each is POSTed with an HMAC signature to its URL's checked, pinned address
   (`urlguard`: public addresses only, re-checked at every attempt; no redirects followed), and the outcome is
   recorded in a new short transaction if the lease is still ours. A failure is retried with exponential backoff
   and, after `MAX_ATTEMPTS`, left `dead` for inspection (the dead-letter state). A crashed dispatcher's lease
   expires after `LEASE_SECONDS` and the row is due again. Recorded errors carry no network detail.
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
from sqlalchemy.engine import Connection, Engine

from serving.webhooks.signing import sign
from serving.webhooks.urlguard import Resolver, UnsafeWebhookUrl, WebhookPolicy, check_url, system_resolver
from warehouse.db import set_tenant
from warehouse.repositories import webhooks
from warehouse.settings import Settings

log = logging.getLogger("serving.webhooks")

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 3600.0
BATCH = 100
LEASE_SECONDS = 60.0  # longer than a batch of sends can take (5 s timeout each, see run_dispatcher)
REFUSED = "destination refused: not a public address"
FAILED = "delivery failed"


def backoff(attempts: int) -> timedelta:
    """2s, 4s, 8s, ... capped at an hour."""
    return timedelta(seconds=min(BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _matches(patterns: list[str], event_type: str) -> bool:
    return any(fnmatchcase(event_type, p) for p in patterns)


def fan_out(conn: Connection) -> int:
    """Turn undispatched outbox rows (of the connection's tenant) into webhook deliveries; returns rows handled."""
    events = webhooks.lock_undispatched(conn, limit=BATCH)
    if not events:
        return 0
    endpoints = webhooks.active_endpoints(conn)
    for event in events:
        for endpoint in endpoints:
            if _matches(list(endpoint["event_types"]), event["event_type"]):
                webhooks.enqueue(conn, tenant_id=event["tenant_id"], endpoint_id=endpoint["id"],
                                 event_id=event["event_id"])
    webhooks.mark_dispatched(conn, [e["id"] for e in events])
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
    lease_token: uuid.UUID


def _lease(conn: Connection, now: datetime, token: uuid.UUID) -> list[Delivery]:
    """Lease due deliveries: due rows not leased by a live dispatcher, locked and skipped by concurrent leasers,
    stamped with this pass's token until `now + LEASE_SECONDS` (the caller commits at once)."""
    rows = webhooks.lease_due(conn, now=now, token=token, lease=timedelta(seconds=LEASE_SECONDS), limit=BATCH)
    out = []
    for r in rows:
        body = json.dumps({"id": str(r["event_id"]), "type": r["event_type"], "tenantId": str(r["tenant_id"]),
                           "aggregateType": r["aggregate_type"],
                           "aggregateId": str(r["aggregate_id"]) if r["aggregate_id"] else None,
                           "createdAt": r["created_at"].isoformat(), "data": r["payload"]},
                          separators=(",", ":"), default=str).encode()
        out.append(Delivery(r["id"], r["url"], r["secret"], r["event_id"], r["event_type"], body, r["attempts"],
                            token))
    return out


def _send(client: httpx.Client, delivery: Delivery, policy: WebhookPolicy, resolver: Resolver) -> str | None:
    """POST once to the checked, pinned address; None on a 2xx, else the error to record.

    The recorded error never carries network detail (no "connection refused", no resolver message): a tenant must
    not be able to map a network through the deliveries list.
    """
    try:
        target = check_url(delivery.url, policy, resolver)
    except UnsafeWebhookUrl:
        return REFUSED
    ts = int(time.time())
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != (443 if target.scheme == "https" else 80):
        host_header += f":{target.port}"
    headers = {"Host": host_header, "Content-Type": "application/json",
               "BenchCRM-Event-Id": str(delivery.event_id), "BenchCRM-Event-Type": delivery.event_type,
               "BenchCRM-Timestamp": str(ts), "BenchCRM-Signature": sign(delivery.secret, ts, delivery.body),
               "User-Agent": "BenchCRM-Webhooks/1"}
    # Connect to the address just checked (not the name, which could resolve elsewhere a second time); the Host
    # header and the TLS server name (SNI and certificate check) stay the registered host.
    url = httpx.URL(delivery.url).copy_with(host=target.address, username=None, password=None)
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        request = client.build_request("POST", url, content=delivery.body, headers=headers, extensions=extensions)
        response = client.send(request, follow_redirects=False, stream=True)  # the body is never read
        status = response.status_code
        response.close()
    except (httpx.HTTPError, OSError, ValueError):
        return FAILED
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _record(engine: Engine, tenant_id: uuid.UUID, d: Delivery, error: str | None) -> str | None:
    """Record one outcome in its own transaction, only while this pass still holds the lease."""
    attempts = d.attempts + 1
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        if error is None:
            done = webhooks.record_delivered(conn, d.id, attempts=attempts, token=d.lease_token)
            return "delivered" if done else None
        status = "dead" if attempts >= MAX_ATTEMPTS else "failed"
        done = webhooks.record_failed(conn, d.id, status=status, attempts=attempts, error=error,
                                      retry_in=backoff(attempts), token=d.lease_token)
    if done:
        log.warning("webhook delivery failed", extra={"event_id": str(d.event_id), "attempts": attempts,
                                                      "status": status, "error": error})
    return status if done else None


def deliver_due(engine: Engine, tenant_id: uuid.UUID, client: httpx.Client, *, now: datetime | None = None,
                policy: WebhookPolicy | None = None, resolver: Resolver = system_resolver) -> dict:
    """Lease due deliveries (one short transaction), send them outside any transaction, record each outcome in a
    new short transaction. Returns counts by outcome."""
    policy = policy or WebhookPolicy()
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        deliveries = _lease(conn, now or datetime.now(UTC), uuid.uuid4())
    for d in deliveries:
        outcome = _record(engine, tenant_id, d, _send(client, d, policy, resolver))
        if outcome is not None:
            counts[outcome] += 1
    return counts


def dispatch_tenant(engine: Engine, tenant_id: uuid.UUID, client: httpx.Client, *,
                    policy: WebhookPolicy | None = None, resolver: Resolver = system_resolver) -> dict:
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        fanned = fan_out(conn)
    return {"fanned_out": fanned, **deliver_due(engine, tenant_id, client, policy=policy, resolver=resolver)}


def tenants_with_work(admin: Engine) -> list[uuid.UUID]:
    with admin.connect() as conn:
        return webhooks.tenants_with_work(conn)


def run_dispatcher(settings: Settings, stop: threading.Event, *, interval_seconds: float = 1.0) -> None:
    """The worker loop the main command starts beside the API (until `stop` is set)."""
    from warehouse.db import admin_engine, app_engine

    app, admin = app_engine(settings), admin_engine(settings)
    policy = WebhookPolicy.from_settings(settings)
    # trust_env=False: no proxy from the environment (a proxy would connect by name, undoing the address pin).
    with httpx.Client(timeout=httpx.Timeout(5.0), follow_redirects=False, trust_env=False) as client:
        while not stop.is_set():
            try:
                for tenant_id in tenants_with_work(admin):
                    dispatch_tenant(app, tenant_id, client, policy=policy)
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("webhook dispatch pass failed")
            stop.wait(interval_seconds)
