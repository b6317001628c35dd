"""Webhooks cannot reach the network BenchCRM runs in (issue 13, finding 1): unsafe destinations are refused at
registration, on PATCH and again at delivery (without contacting them), the checked address is the one connected
to (no DNS rebinding), redirects are not followed, recorded errors carry no network detail, and the dispatcher
holds no transaction (or row lock) while it sends."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from serving.webhooks import dispatcher
from serving.webhooks.urlguard import UnsafeWebhookUrl, WebhookPolicy, address_refusal, check_url, system_resolver

DEV = WebhookPolicy(allow_http=True)  # the development default: http allowed, to public addresses only
LOCAL = WebhookPolicy(allow_http=True, allow_private_networks=True)
PUBLIC_IP = "93.184.215.14"

# Every destination the security review registered, plus a few more forms of the same addresses.
UNSAFE = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://localhost:8000/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://kubernetes.default.svc/",
    "http://user:pass@127.0.0.1:3000/",
    "http://169.254.169.254.nip.io/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://10.0.0.5/",
    "http://192.168.1.1/",
    "http://100.100.100.200/",
    "http://224.0.0.1/",
    "http://metadata/",
    "http://hooks.rebind.example.com/",
]

# What names resolve to in these tests (deterministic: no DNS). Anything else is "does not resolve".
FAKE_DNS = {
    "169.254.169.254.nip.io": ["169.254.169.254"],
    "hooks.rebind.example.com": ["127.0.0.1"],
    "hooks.example.com": [PUBLIC_IP],
    "mixed.example.com": [PUBLIC_IP, "10.1.2.3"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    if host not in FAKE_DNS:
        raise OSError("no such host")
    return FAKE_DNS[host]


@pytest.fixture
def dns(app) -> Iterator[None]:
    before = app.state.webhook_resolver
    app.state.webhook_resolver = fake_resolver
    yield
    app.state.webhook_resolver = before


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_destination_is_refused_at_registration_and_on_patch(client, auth, tenant, admin_engine, dns, url):
    h = auth(tenant, "Admin")
    body = _problem(client.post("/v1/webhooks", json={"url": url}, headers=h), 422)
    assert body["detail"].startswith("url: ") and body["errors"][0]["loc"] == ["body", "url"]
    ok = client.post("/v1/webhooks", json={"url": f"https://{PUBLIC_IP}/hook"}, headers=h)
    assert ok.status_code == 201, ok.text
    _problem(client.patch(f"/v1/webhooks/{ok.json()['id']}", json={"url": url}, headers=h), 422)
    with admin_engine.connect() as conn:
        urls = conn.execute(sa.text("select url from crm.webhook_endpoint where tenant_id = :t"),
                            {"t": tenant}).scalars().all()
    assert urls == [f"https://{PUBLIC_IP}/hook"]


def test_refusals_say_why(client, auth, tenant, dns):
    h = auth(tenant, "Admin")

    def detail(url: str) -> str:
        return _problem(client.post("/v1/webhooks", json={"url": url}, headers=h), 422)["detail"]

    assert "loopback" in detail("http://127.0.0.1:5432/")
    assert "link-local" in detail("http://169.254.169.254/")
    assert "credentials" in detail("http://user:pass@hooks.example.com/")
    assert "internal host name" in detail("http://metadata.google.internal/")
    assert "dotted-quad" in detail("http://2130706433/")
    assert "resolves to an address that is not public" in detail("http://169.254.169.254.nip.io/")
    assert "resolves to an address that is not public" in detail("http://mixed.example.com/")  # any address
    assert "does not resolve" in detail("http://nowhere.example.org/")
    assert client.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"}, headers=h).status_code == 201


def test_https_is_required_outside_development_and_the_escape_hatch_is_development_only(settings):
    from warehouse.settings import Settings

    with pytest.raises(UnsafeWebhookUrl, match="https"):
        check_url(f"http://{PUBLIC_IP}/", WebhookPolicy(allow_http=False))
    assert check_url(f"https://{PUBLIC_IP}/", WebhookPolicy(allow_http=False)).address == PUBLIC_IP
    production = settings.model_copy(update={"environment": "production"})
    assert WebhookPolicy.from_settings(production) == WebhookPolicy(allow_http=False, allow_private_networks=False)
    assert WebhookPolicy.from_settings(settings) == DEV
    with pytest.raises(ValidationError, match="development only"):
        Settings(environment="production", webhook_allow_private_networks=True)


def test_a_name_that_resolves_to_loopback_is_refused():
    # `localhost` through the real resolver: whatever it resolves to here is refused ...
    assert all(address_refusal(__import__("ipaddress").ip_address(a)) for a in system_resolver("localhost", 80))
    # ... and a public-looking name that resolves to it is refused at the address, not by its name
    with pytest.raises(UnsafeWebhookUrl, match="loopback"):
        check_url("http://hooks.rebind.example.com/", DEV, fake_resolver)
    with pytest.raises(UnsafeWebhookUrl, match="loopback"):
        check_url("http://my-host.example.net/", DEV, lambda host, port: system_resolver("localhost", port))
    # the escape hatch lets loopback through but never the metadata service
    assert check_url("http://hooks.rebind.example.com/", LOCAL, fake_resolver).address == "127.0.0.1"
    with pytest.raises(UnsafeWebhookUrl, match="link-local"):
        check_url("http://169.254.169.254/", LOCAL)


class Recorder(httpx.BaseTransport):
    """An httpx transport that records what would have been sent and answers 200 (no network)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200)


def _endpoint_with_event(admin_engine, tenant: uuid.UUID, url: str) -> uuid.UUID:
    """Bypass the API: an endpoint row with an unsafe URL and one due delivery for it."""
    from warehouse.db import set_tenant

    endpoint, event = uuid.uuid4(), uuid.uuid4()
    with admin_engine.begin() as conn:
        set_tenant(conn, tenant)
        conn.execute(sa.text("insert into crm.webhook_endpoint (id, tenant_id, url, secret) "
                             "values (:id, :t, :u, 'a-long-enough-secret')"), {"id": endpoint, "t": tenant, "u": url})
        conn.execute(sa.text("insert into crm.outbox (tenant_id, event_id, event_type, aggregate_type, payload, "
                             "dispatched_at) values (:t, :e, 'tag.created', 'tag', '{}'::jsonb, now())"),
                     {"t": tenant, "e": event})
        conn.execute(sa.text("insert into crm.webhook_event (tenant_id, endpoint_id, outbox_event_id) "
                             "values (:t, :ep, :e)"), {"t": tenant, "ep": endpoint, "e": event})
    return endpoint


def _event_row(admin_engine, endpoint: uuid.UUID) -> dict[str, Any]:
    with admin_engine.connect() as conn:
        return dict(conn.execute(sa.text("select * from crm.webhook_event where endpoint_id = :e"),
                                 {"e": endpoint}).mappings().one())


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_row_inserted_in_the_database_is_refused_at_delivery_without_contact(app_engine, admin_engine,
                                                                                    make_tenant, url):
    tenant = make_tenant()
    endpoint = _endpoint_with_event(admin_engine, tenant, url)
    transport = Recorder()
    with httpx.Client(transport=transport) as http:
        counts = dispatcher.deliver_due(app_engine, tenant, http, policy=DEV, resolver=fake_resolver)
    assert counts["failed"] == 1 and transport.requests == []
    row = _event_row(admin_engine, endpoint)
    assert row["status"] == "failed" and row["last_error"] == dispatcher.REFUSED
    assert row["lease_token"] is None and row["leased_until"] is None


class Listener:
    """A real HTTP server on 127.0.0.1 that counts requests; `redirect_to` makes it answer 302."""

    def __init__(self, *, delay: float = 0.0, redirect_to: str | None = None, on_request=None) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.hits.append(self.path)
                if on_request:
                    on_request(self)
                time.sleep(delay)
                self.send_response(302 if redirect_to and self.path != "/landing" else 200)
                if redirect_to and self.path != "/landing":
                    self.send_header("Location", redirect_to)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_a_live_loopback_listener_is_never_contacted(app_engine, admin_engine, make_tenant):
    listener = Listener()
    try:
        tenant = make_tenant()
        endpoint = _endpoint_with_event(admin_engine, tenant, listener.base + "/scan")
        with httpx.Client() as http:
            dispatcher.deliver_due(app_engine, tenant, http, policy=DEV)
        assert listener.hits == []
        assert _event_row(admin_engine, endpoint)["last_error"] == dispatcher.REFUSED
    finally:
        listener.close()


def test_dns_rebinding_is_refused_and_the_checked_address_is_the_one_connected_to(client, auth, app, admin_engine,
                                                                                 app_engine, make_tenant):
    tenant = make_tenant()
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])  # public while registering, loopback when delivering

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    before = app.state.webhook_resolver
    app.state.webhook_resolver = rebinding
    try:
        r = client.post("/v1/webhooks", json={"url": "https://hooks.attacker.example/x"},
                        headers=auth(tenant, "Admin"))
    finally:
        app.state.webhook_resolver = before
    assert r.status_code == 201, r.text
    client.post("/v1/tags", json={"name": "x"}, headers=auth(tenant))
    transport = Recorder()
    with httpx.Client(transport=transport) as http:
        assert dispatcher.dispatch_tenant(app_engine, tenant, http, policy=DEV, resolver=rebinding)["failed"] == 1
    assert transport.requests == []

    # A public answer: the request goes to the resolved address, named by Host and the TLS server name.
    endpoint = _endpoint_with_event(admin_engine, tenant, "https://hooks.example.com:8443/in?q=1")
    with httpx.Client(transport=transport) as http:
        dispatcher.deliver_due(app_engine, tenant, http, policy=DEV, resolver=fake_resolver)
    (sent,) = transport.requests
    assert sent.url.host == PUBLIC_IP and sent.url.port == 8443 and sent.url.raw_path == b"/in?q=1"
    assert sent.headers["Host"] == "hooks.example.com:8443"
    assert sent.extensions["sni_hostname"] == "hooks.example.com"
    assert _event_row(admin_engine, endpoint)["status"] == "delivered"


def test_redirects_are_not_followed_and_errors_carry_no_network_detail(app_engine, admin_engine, make_tenant):
    landing = Listener()
    redirecting = Listener(redirect_to=landing.base + "/landing")
    try:
        tenant = make_tenant()
        moved = _endpoint_with_event(admin_engine, tenant, redirecting.base + "/hook")
        closed = _endpoint_with_event(admin_engine, tenant, "http://127.0.0.1:9/closed-port")
        with httpx.Client(follow_redirects=True) as http:  # even a client that would follow: the send does not
            dispatcher.deliver_due(app_engine, tenant, http, policy=LOCAL)
        assert redirecting.hits == ["/hook"] and landing.hits == []
        assert _event_row(admin_engine, moved)["last_error"] == "HTTP 302"
        assert _event_row(admin_engine, closed)["last_error"] == "delivery failed"
    finally:
        landing.close()
        redirecting.close()


def test_no_transaction_or_row_lock_is_held_while_sending(app_engine, admin_engine, make_tenant):
    """While the receiver handles the POST, another connection can lock the delivery row at once (NOWAIT) and
    already sees the committed lease: the claim was committed before the HTTP call."""
    seen: list[dict[str, Any]] = []
    endpoint_box: list[uuid.UUID] = []

    def probe(handler: BaseHTTPRequestHandler) -> None:
        with admin_engine.begin() as conn:
            conn.exec_driver_sql("set local lock_timeout = '1ms'")
            try:
                row = conn.execute(sa.text("select lease_token, leased_until, status from crm.webhook_event "
                                           "where endpoint_id = :e for update nowait"),
                                   {"e": endpoint_box[0]}).mappings().one()
                seen.append({"locked": False, **row})
            except sa.exc.OperationalError:
                seen.append({"locked": True})

    listener = Listener(on_request=probe)
    try:
        tenant = make_tenant()
        endpoint_box.append(_endpoint_with_event(admin_engine, tenant, listener.base + "/hook"))
        with httpx.Client(timeout=10) as http:
            assert dispatcher.deliver_due(app_engine, tenant, http, policy=LOCAL)["delivered"] == 1
        (during,) = seen
        assert during["locked"] is False
        assert during["lease_token"] is not None and during["status"] == "pending"
        after = _event_row(admin_engine, endpoint_box[0])
        assert after["status"] == "delivered" and after["lease_token"] is None
    finally:
        listener.close()


def test_several_dispatchers_send_each_event_once_and_an_expired_lease_is_taken_over(app_engine, admin_engine,
                                                                                     make_tenant):
    listener = Listener(delay=0.2)
    try:
        tenant = make_tenant()
        for i in range(6):
            _endpoint_with_event(admin_engine, tenant, f"{listener.base}/h{i}")
        results: list[dict] = []

        def run() -> None:
            with httpx.Client(timeout=10) as http:
                results.append(dispatcher.deliver_due(app_engine, tenant, http, policy=LOCAL))

        workers = [threading.Thread(target=run) for _ in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=30)
        assert sorted(listener.hits) == sorted(f"/h{i}" for i in range(6))  # each once
        assert sum(r["delivered"] for r in results) == 6

        # A dispatcher that died holding a lease: once the lease expires the row is due again, and the dead
        # dispatcher's late write (old token) changes nothing.
        stale = _endpoint_with_event(admin_engine, tenant, f"{listener.base}/stale")
        with admin_engine.begin() as conn:
            conn.execute(sa.text("update crm.webhook_event set lease_token = :tok, leased_until = now() + interval "
                                 "'1 hour' where endpoint_id = :e"), {"tok": uuid.uuid4(), "e": stale})
        with httpx.Client(timeout=10) as http:
            assert dispatcher.deliver_due(app_engine, tenant, http, policy=LOCAL)["delivered"] == 0  # leased
            later = dispatcher.datetime.now(dispatcher.UTC) + dispatcher.timedelta(hours=2)
            assert dispatcher.deliver_due(app_engine, tenant, http, policy=LOCAL, now=later)["delivered"] == 1
        row = _event_row(admin_engine, stale)
        ghost = dispatcher.Delivery(row["id"], "", "", uuid.uuid4(), "tag.created", b"{}", 0, uuid.uuid4())
        assert dispatcher._record(app_engine, tenant, ghost, "delivery failed") is None
        assert _event_row(admin_engine, stale)["status"] == "delivered"
    finally:
        listener.close()
