"""The hot routes do their work in ONE worker-thread call (docs/adr/0037), the read routes in none (docs/adr/0039).
Under load every hop into the thread pool waits for a core and the interpreter again; authenticating (a known token
and tenant, the shared rate limit) runs on the event loop, and the route's whole transaction runs in one call."""

from __future__ import annotations

import uuid

import anyio.to_thread
import pytest


@pytest.fixture
def thread_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        calls.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return calls


def test_reads_make_no_worker_thread_call_and_recommendations_one(client, auth, tenant, seed, thread_calls):
    """Lists, search and get by id await their one round trip on the event loop (docs/adr/0039); a ranking runs
    whole in one worker-thread call."""
    h = auth(tenant)
    consultant = seed.consultant(status="bench")
    requirement = seed.requirement(status="open")
    assert client.get(f"/v1/consultants/{consultant}", headers=h).status_code == 200  # token and tenant now known
    routes = [("GET", f"/v1/consultants/{consultant}", {}, 200, 0),
              ("GET", "/v1/consultants", {"params": {"limit": 5}}, 200, 0),
              ("GET", "/v1/requirements", {"params": {"q": "java"}}, 200, 0),
              ("GET", f"/v1/requirements/{uuid.uuid4()}", {}, 404, 0),
              ("POST", f"/v1/requirements/{requirement}/recommendations", {"json": {"explain": True}}, 200, 1),
              ("POST", f"/v1/consultants/{consultant}/recommendations", {"json": {"explain": False}}, 200, 1)]
    for method, url, kwargs, status, calls in routes:
        thread_calls.clear()
        r = client.request(method, url, headers=h, **kwargs)
        assert r.status_code == status, r.text
        assert len(thread_calls) == calls, (method, url, thread_calls)


def test_writes_and_every_other_route_make_one_worker_thread_call(client, auth, tenant, seed, thread_calls):
    """Routes written as sync handlers with a `conn` (`in_one_call`): the handler, the transaction and its commit
    in one call, the response validated on the event loop."""
    h = auth(tenant, "Owner")
    consultant = seed.consultant(status="bench")
    run, _ = seed.recommendation(seed.requirement(status="open"), [consultant])
    assert client.get("/v1/audit/logs", headers=h).status_code == 200  # token and tenant now known
    created = None
    for method, url, kwargs, status in [
            ("POST", "/v1/consultants", {"json": {"fullName": "Hop Count"}}, 201),
            ("PATCH", "{created}", {"json": {"title": "Java Developer"}}, 200),
            ("GET", f"/v1/recommendations/{run}", {}, 200),
            ("GET", "/v1/audit/logs", {"params": {"limit": 5}}, 200),
            ("GET", "/v1/webhooks", {}, 200),
            ("DELETE", "{created}", {}, 204)]:
        thread_calls.clear()
        r = client.request(method, url.format(created=created), headers=h, **kwargs)
        assert r.status_code == status, r.text
        assert len(thread_calls) == 1, (method, url, thread_calls)
        if method == "POST":
            created = r.headers["Location"]


def test_a_token_or_tenant_not_seen_lately_is_checked_off_the_event_loop(client, auth, tenant, seed, thread_calls):
    """Verifying may fetch the identity provider's key set and the tenant check queries the database, so each costs
    one worker-thread call, and only the first time; the read itself costs none."""
    consultant = seed.consultant()
    first, second = auth(tenant, "Analyst"), auth(tenant, "Sales")
    counts = []
    for headers in (first, second, second):  # a new tenant and token; a new token; both known
        thread_calls.clear()
        assert client.get(f"/v1/consultants/{consultant}", headers=headers).status_code == 200
        counts.append(len(thread_calls))
    assert counts == [2, 1, 0], thread_calls
