"""Webhooks: registration, outbox fan-out, HMAC-signed delivery verified by the receiver, retries with backoff,
dead letter after MAX_ATTEMPTS; consumers receive the event id for idempotency."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from serving.webhooks import dispatcher
from serving.webhooks.signing import sign, verify
from serving.webhooks.urlguard import WebhookPolicy

# These tests deliver to a receiver on 127.0.0.1, so they open the explicit development escape hatch
# (`webhook_allow_private_networks`); tests/serving/test_webhook_ssrf.py checks the guard with it closed.
LOCAL = WebhookPolicy(allow_http=True, allow_private_networks=True)


@pytest.fixture(autouse=True)
def local_receivers_allowed(app) -> Iterator[None]:
    before = app.state.webhook_policy
    app.state.webhook_policy = LOCAL
    yield
    app.state.webhook_policy = before


class Receiver:
    """A webhook consumer on 127.0.0.1 that verifies signatures; it can be told to fail the next N requests."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_next = 0
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(receiver.secret, self.headers["BenchCRM-Timestamp"], body,
                            self.headers["BenchCRM-Signature"])
                receiver.received.append({"body": json.loads(body), "verified": ok,
                                          "event_id": self.headers["BenchCRM-Event-Id"],
                                          "event_type": self.headers["BenchCRM-Event-Type"]})
                status = 200 if ok else 401
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 503
                self.send_response(status)
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    t = threading.Thread(target=r.server.serve_forever, daemon=True)
    t.start()
    yield r
    r.server.shutdown()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def _register(client, auth, tenant, receiver, event_types=("*",)) -> str:
    r = client.post("/v1/webhooks", json={"url": receiver.url, "eventTypes": list(event_types)},
                    headers=auth(tenant, "Admin"))
    assert r.status_code == 201, r.text
    receiver.secret = r.json()["secret"]
    assert len(receiver.secret) >= 32
    return r.json()["id"]


def _deliveries(admin_engine, tenant) -> list[dict]:
    with admin_engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "select * from crm.webhook_event where tenant_id = :t order by created_at"), {"t": tenant}).mappings()]


def test_signed_delivery_reaches_the_consumer_once(client, auth, tenant, receiver, app_engine, admin_engine, http):
    endpoint = _register(client, auth, tenant, receiver, ["consultant.*"])
    cid = client.post("/v1/consultants", json={"fullName": "Ana"}, headers=auth(tenant)).json()["id"]
    client.post("/v1/tags", json={"name": "not-subscribed"}, headers=auth(tenant))
    counts = dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)
    assert counts["delivered"] == 1 and counts["fanned_out"] >= 2
    (got,) = receiver.received
    assert got["verified"] and got["event_type"] == "consultant.created"
    assert got["body"]["id"] == got["event_id"] and got["body"]["data"]["data"]["id"] == cid
    assert got["body"]["tenantId"] == str(tenant)
    assert dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)["delivered"] == 0  # nothing twice
    (row,) = _deliveries(admin_engine, tenant)
    assert row["status"] == "delivered" and row["attempts"] == 1 and str(row["endpoint_id"]) == endpoint
    listed = client.get(f"/v1/webhooks/{endpoint}/deliveries", headers=auth(tenant, "Admin")).json()["data"]
    assert listed[0]["status"] == "delivered" and listed[0]["eventId"] == got["event_id"]


def test_failed_delivery_is_retried_with_backoff_then_delivered(client, auth, tenant, receiver, app_engine,
                                                                admin_engine, http):
    _register(client, auth, tenant, receiver)
    receiver.fail_next = 1
    client.post("/v1/tags", json={"name": "x"}, headers=auth(tenant))
    assert dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)["failed"] == 1
    (row,) = _deliveries(admin_engine, tenant)
    assert row["status"] == "failed" and row["attempts"] == 1 and row["last_error"] == "HTTP 503"
    assert row["next_attempt_at"] > datetime.now(UTC)  # backoff: not due yet
    assert dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)["delivered"] == 0
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert dispatcher.deliver_due(app_engine, tenant, http, now=later, policy=LOCAL)["delivered"] == 1
    (row,) = _deliveries(admin_engine, tenant)
    assert row["status"] == "delivered" and row["attempts"] == 2
    assert [r["event_id"] for r in receiver.received] == [receiver.received[0]["event_id"]] * 2  # same id: dedupe


def test_endlessly_failing_delivery_ends_dead(client, auth, tenant, receiver, app_engine, admin_engine, http):
    _register(client, auth, tenant, receiver)
    receiver.fail_next = 10**6
    client.post("/v1/tags", json={"name": "x"}, headers=auth(tenant))
    dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)
    for _ in range(dispatcher.MAX_ATTEMPTS + 2):
        dispatcher.deliver_due(app_engine, tenant, http, now=datetime.now(UTC) + timedelta(days=1), policy=LOCAL)
    (row,) = _deliveries(admin_engine, tenant)
    assert row["status"] == "dead" and row["attempts"] == dispatcher.MAX_ATTEMPTS


def test_unreachable_endpoint_records_the_error(client, auth, tenant, app_engine, admin_engine, http):
    r = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/nothing-listens"},
                    headers=auth(tenant, "Owner"))
    assert r.status_code == 201
    client.post("/v1/tags", json={"name": "x"}, headers=auth(tenant))
    assert dispatcher.dispatch_tenant(app_engine, tenant, http, policy=LOCAL)["failed"] == 1
    (row,) = _deliveries(admin_engine, tenant)
    assert row["last_error"] == "delivery failed"  # no "Connection refused": the list must not map ports


def test_backoff_doubles_and_is_capped():
    assert [dispatcher.backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert dispatcher.backoff(50).total_seconds() == dispatcher.MAX_BACKOFF_SECONDS


def test_signature_verification_rejects_tampering_and_replays():
    body, ts = b'{"id":"1"}', 1_700_000_000
    sig = sign("s3cret-s3cret-s3cret", ts, body)
    assert verify("s3cret-s3cret-s3cret", str(ts), body, sig, now=ts + 10)
    assert not verify("s3cret-s3cret-s3cret", str(ts), b'{"id":"2"}', sig, now=ts + 10)
    assert not verify("other-secret-value!!", str(ts), body, sig, now=ts + 10)
    assert not verify("s3cret-s3cret-s3cret", str(ts), body, sig, now=ts + 3600)
    assert not verify("s3cret-s3cret-s3cret", "soon", body, sig)


def test_webhook_registration_validates_input_and_is_audited(client, auth, tenant, admin_engine):
    h = auth(tenant, "Admin")
    assert client.post("/v1/webhooks", json={"url": "ftp://x"}, headers=h).status_code == 422
    assert client.post("/v1/webhooks", json={"url": "http://x.example", "eventTypes": ["DROP TABLE"]},
                       headers=h).status_code == 422
    assert client.post("/v1/webhooks", json={"url": "http://x.example", "secret": "short"},
                       headers=h).status_code == 422
    r = client.post("/v1/webhooks", json={"url": "http://93.184.215.14/hook", "secret": "a-long-enough-secret"},
                    headers=h)
    assert r.status_code == 201 and r.json()["secret"] == "a-long-enough-secret"
    listed = client.get("/v1/webhooks", headers=h).json()["data"]
    assert listed[0]["secret"] is None  # shown once only
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from crm.audit_log where tenant_id = :t and "
                                    "entity = 'webhook_endpoint'"), {"t": tenant}).scalar() == 1


def test_dispatcher_worker_delivers_in_the_background(settings, client, auth, tenant, receiver):
    """The loop the main command starts: it finds the tenant with work and delivers without being called."""
    _register(client, auth, tenant, receiver)
    client.post("/v1/tags", json={"name": "bg"}, headers=auth(tenant))
    stop = threading.Event()
    local = settings.model_copy(update={"webhook_allow_private_networks": True})
    worker = threading.Thread(target=dispatcher.run_dispatcher, args=(local, stop),
                              kwargs={"interval_seconds": 0.1}, daemon=True)
    worker.start()
    try:
        receiver.arrived.wait(10)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert receiver.received and receiver.received[0]["verified"]
