"""Rate limits shared through Postgres (serving/ratelimit.py, docs/adr/0020): per tenant with a burst, per client
address without a valid token, a smaller budget for extraction and imports, per-tenant overrides, and one limit
across two real server processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

# A steady rate so slow that no token comes back during a test: only the burst decides.
NO_REFILL = 0.0001


def _is_429(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("rate-limited")
    assert int(r.headers["retry-after"]) >= 1


def _address() -> str:
    return f"client-{uuid.uuid4().hex[:8]}"  # TestClient's peer address: a fresh anonymous bucket per test


@pytest.fixture
def limited(settings):
    return settings.model_copy(update={
        "jwks_url": None, "rate_limit_rps": NO_REFILL, "rate_limit_burst": 3,
        "rate_limit_expensive_rps": NO_REFILL, "rate_limit_expensive_burst": 1,
        "rate_limit_anonymous_rps": NO_REFILL, "rate_limit_anonymous_burst": 4})


@pytest.fixture
def limited_client(limited, app_engine) -> Iterator[TestClient]:
    from serving.main import create_app

    with TestClient(create_app(limited, engine=app_engine, load_model=False), client=(_address(), 1)) as c:
        yield c


def _auth(settings, tenant: uuid.UUID, role: str = "ReadOnly") -> dict[str, str]:
    from serving.auth.tokens import issue_token

    return {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role=role)}"}


def test_tenant_burst_then_429_with_retry_after_and_tenants_never_share_a_bucket(limited, limited_client,
                                                                                  make_tenant):
    a, b = make_tenant(), make_tenant()
    assert [limited_client.get("/v1/tags", headers=_auth(limited, a)).status_code for _ in range(3)] == [200] * 3
    _is_429(limited_client.get("/v1/tags", headers=_auth(limited, a)))
    assert limited_client.get("/v1/tags", headers=_auth(limited, b)).status_code == 200


def test_lists_and_get_by_id_draw_from_the_same_tenant_bucket(limited, limited_client, make_tenant):
    """Lists and get by id authenticate on the event loop and read in one round trip (docs/adr/0037); they still
    draw from the tenant's one `api` bucket with every other route, and a 429 carries no rows."""
    a, b = make_tenant(), make_tenant()
    h = _auth(limited, a)
    assert limited_client.get("/v1/consultants", headers=h).status_code == 200
    assert limited_client.get(f"/v1/consultants/{uuid.uuid4()}", headers=h).status_code == 404  # charged as well
    assert limited_client.get("/v1/tags", headers=h).status_code == 200
    for url in ("/v1/consultants", "/v1/requirements?q=java", f"/v1/consultants/{uuid.uuid4()}", "/v1/tags"):
        r = limited_client.get(url, headers=h)
        _is_429(r)
        assert "data" not in r.json()
    assert limited_client.get("/v1/consultants", headers=_auth(limited, b)).status_code == 200


def test_a_tenant_policy_row_overrides_the_defaults_for_that_tenant_only(limited, limited_client, make_tenant,
                                                                          admin_engine):
    a, b = make_tenant(), make_tenant()
    with admin_engine.begin() as conn:
        conn.execute(sa.text("insert into ratelimit.tenant_policy (tenant_id, budget, rate_per_second, burst) "
                             "values (:t, 'api', :r, 1)"), {"t": a, "r": NO_REFILL})
    assert limited_client.get("/v1/tags", headers=_auth(limited, a)).status_code == 200
    _is_429(limited_client.get("/v1/tags", headers=_auth(limited, a)))
    assert [limited_client.get("/v1/tags", headers=_auth(limited, b)).status_code for _ in range(3)] == [200] * 3


def test_anonymous_and_invalid_token_flood_gets_429_per_client_address(limited, limited_client, app_engine):
    from serving.main import create_app

    bad = {"Authorization": "Bearer not.a.token"}
    codes = [limited_client.get("/v1/tags").status_code for _ in range(2)]
    codes += [limited_client.get("/v1/tags", headers=bad).status_code for _ in range(2)]
    assert codes == [401] * 4
    _is_429(limited_client.get("/v1/tags", headers=bad))
    _is_429(limited_client.get("/v1/tags"))
    with TestClient(create_app(limited, engine=app_engine, load_model=False), client=(_address(), 1)) as other:
        assert other.get("/v1/tags").status_code == 401  # another address has its own bucket


def test_extraction_has_its_own_smaller_budget_beside_the_tenant_budget(limited, limited_client, make_tenant):
    tenant = make_tenant()
    headers = _auth(limited, tenant, "Recruiter")
    body = {"schemaName": "requirement", "text": "Role: Java Developer\nLocation: Dallas, TX\nMust have: Java"}
    assert limited_client.post("/v1/ai/extract", json=body, headers=headers).status_code == 200
    _is_429(limited_client.post("/v1/ai/extract", json=body, headers=headers))
    assert limited_client.get("/v1/tags", headers=headers).status_code == 200  # the api budget still has a token


def test_bucket_refills_at_its_rate_and_reports_the_wait(app_engine, admin_engine):
    key = f"test:{uuid.uuid4()}"
    take = sa.text("select app.rate_limit_take(:k, null, 'api', :rate, 1)")
    with app_engine.begin() as conn:
        assert conn.execute(take, {"k": key, "rate": 0.01}).scalar_one() == 0
        # empty: one token comes back after 1 / 0.01 = 100 s
        assert conn.execute(take, {"k": key, "rate": 0.01}).scalar_one() == pytest.approx(100, abs=1)
    with admin_engine.connect() as conn:
        refilled = conn.execute(sa.text(
            "select ratelimit.refilled(0, timestamptz '2026-01-01', timestamptz '2026-01-01' + interval '2 s', 50, "
            "200), ratelimit.refilled(150, timestamptz '2026-01-01', timestamptz '2026-01-01' + interval '2 s', 50, "
            "200)")).one()
    assert tuple(refilled) == (100, 200)  # 2 s at 50/s; never above the burst


def test_the_application_role_cannot_touch_the_buckets_directly(app_engine):
    with app_engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        conn.execute(sa.text("update ratelimit.bucket set tokens = 1e9"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, data_dir) -> subprocess.Popen:
    code = ("import uvicorn; from serving.main import create_app; "
            f"uvicorn.run(create_app(load_model=False), host='127.0.0.1', port={port}, log_level='warning')")
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(data_dir), "PYTHONPATH": os.getcwd()}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen, port: int, deadline_s: float = 120) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stdout.read().decode()[-3000:] if proc.stdout else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)  # the port is not open yet; this waits for startup, it measures nothing
    raise AssertionError(f"server on {port} not ready in {deadline_s} s")


def test_two_server_processes_share_one_tenant_limit(settings, data_dir, make_tenant, admin_engine):
    a, b = make_tenant(), make_tenant()
    with admin_engine.begin() as conn:
        conn.execute(sa.text("insert into ratelimit.tenant_policy (tenant_id, budget, rate_per_second, burst) "
                             "values (:a, 'api', :r, 6), (:b, 'api', :r, 6)"), {"a": a, "b": b, "r": NO_REFILL})
    dev = settings.model_copy(update={"jwks_url": None})
    ports = [_free_port(), _free_port()]
    procs = [_start_server(port, data_dir) for port in ports]
    try:
        for proc, port in zip(procs, ports, strict=True):
            _wait_ready(proc, port)
        ha = _auth(dev, a)
        # alternate between the processes: 12 requests, 6 to each; one process alone would allow all 6 of its own
        codes = [httpx.get(f"http://127.0.0.1:{ports[i % 2]}/v1/tags", headers=ha).status_code for i in range(12)]
        assert codes.count(200) == 6 and codes.count(429) == 6, codes
        assert codes[:6] == [200] * 6
        assert httpx.get(f"http://127.0.0.1:{ports[1]}/v1/tags", headers=_auth(dev, b)).status_code == 200
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_a_bucket_lends_several_tokens_only_while_it_stays_half_full(app_engine):
    """`app.rate_limit_lease` (docs/adr/0039): up to `want` tokens while half the burst stays, then one per call,
    then none with the wait; `app.rate_limit_take` draws from the same bucket."""
    key = f"test:{uuid.uuid4()}"
    lease = sa.text("select granted, wait from app.rate_limit_lease(:k, null, 'api', :rate, 10, :want)")
    take = sa.text("select app.rate_limit_take(:k, null, 'api', :rate, 10)")
    with app_engine.begin() as conn:
        def grant(want: int) -> int:
            granted, wait = conn.execute(lease, {"k": key, "rate": NO_REFILL, "want": want}).one()
            assert (wait == 0) == (granted > 0)
            return granted

        assert grant(4) == 4  # 10 -> 6: half (5) stays
        assert grant(4) == 1  # 6 -> 5: lending 4 would leave less than half
        assert [grant(4) for _ in range(4)] == [1] * 4  # 5 -> 1
        assert conn.execute(take, {"k": key, "rate": NO_REFILL}).scalar_one() == 0  # the last token
        granted, wait = conn.execute(lease, {"k": key, "rate": NO_REFILL, "want": 4}).one()
        assert granted == 0 and wait == pytest.approx(1 / NO_REFILL, rel=0.01)


def _limiter(app_engine, burst: float, **kwargs):
    from serving.ratelimit import Budget, SharedRateLimiter

    return SharedRateLimiter(app_engine, {"api": Budget(NO_REFILL, burst)}, **kwargs)


async def _pocketed(limiter) -> int:
    """Tokens the running loop's pockets hold, once any lease taken ahead has landed."""
    pockets = limiter._loop_pockets().by_key.values()
    await asyncio.gather(*(p.refill for p in pockets if p.refill is not None))
    return sum(p.tokens for p in pockets)


def _bucket_tokens(admin_engine, tenant: uuid.UUID) -> float:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text("select tokens from ratelimit.bucket where bucket_key = :k"),
                            {"k": f"api:{tenant}"}).scalar_one()


def test_under_steady_demand_a_worker_spends_leased_tokens_without_a_round_trip(app_engine, admin_engine):
    """At a steady 500 requests a second most takes are answered from the pocket, the next lease is taken ahead,
    and every request admitted was a token taken from the shared bucket."""
    tenant = uuid.uuid4()
    limiter = _limiter(app_engine, 100_000)

    async def steady() -> tuple[list[float | None], int]:
        waits = []
        for _ in range(400):
            waits.append(await limiter.take("api", tenant))
            await asyncio.sleep(0.002)
        return waits, await _pocketed(limiter)

    try:
        waits, pocketed = asyncio.run(steady())
        assert waits == [None] * 400
        counts = limiter.counts
        assert counts["requests"] == 400
        assert counts["awaited"] < 40, counts  # most requests never waited for the database
        assert counts["ahead"] >= 1, counts
        taken = 100_000 - _bucket_tokens(admin_engine, tenant)
        assert taken == pytest.approx(400 + pocketed + counts["lost"], abs=0.01)
    finally:
        limiter.dispose()


def test_two_workers_with_leases_admit_exactly_what_the_bucket_holds(app_engine):
    """Two limiters (two workers) interleave fast requests of one tenant until both refuse: they lease (fewer round
    trips than requests), yet together admit the burst exactly; no more, and nothing stranded once both are dry."""
    tenant = uuid.uuid4()
    workers = [_limiter(app_engine, 60), _limiter(app_engine, 60)]

    async def interleave() -> int:
        admitted, refused = 0, [False, False]
        while not all(refused):
            for i, limiter in enumerate(workers):
                wait = await limiter.take("api", tenant)
                admitted += wait is None
                refused[i] = wait is not None
        return admitted

    try:
        assert asyncio.run(interleave()) == 60
        assert sum(w.counts["awaited"] for w in workers) < sum(w.counts["requests"] for w in workers) - 2
        assert sum(w.counts["lost"] for w in workers) == 0
    finally:
        for limiter in workers:
            limiter.dispose()


def test_leased_tokens_expire_unspent_and_are_not_admitted_later(app_engine, admin_engine):
    tenant = uuid.uuid4()
    limiter = _limiter(app_engine, 1000, lease_ttl_seconds=0.05)

    async def burst_then_pause() -> tuple[list[float | None], int]:
        waits = [await limiter.take("api", tenant) for _ in range(50)]
        await _pocketed(limiter)
        await asyncio.sleep(0.1)
        return [*waits, await limiter.take("api", tenant)], await _pocketed(limiter)

    try:
        waits, pocketed = asyncio.run(burst_then_pause())
        assert waits == [None] * 51
        assert limiter.counts["lost"] > 0
        # the request after the pause leased anew: what it had pocketed before is gone from both pocket and bucket
        assert 1000 - _bucket_tokens(admin_engine, tenant) == pytest.approx(
            51 + pocketed + limiter.counts["lost"], abs=0.01)
    finally:
        limiter.dispose()


def test_a_flood_of_new_keys_keeps_the_pockets_bounded():
    from serving.ratelimit import MAX_POCKETS, _Pockets

    pockets, now = _Pockets(), 1000.0
    busy = pockets.pocket("api:busy", now)
    busy.tokens = 5  # a tenant's live lease: kept while the flood's empty pockets go
    for i in range(3 * MAX_POCKETS):
        pockets.pocket(f"anonymous:client-{i}", now)
        assert len(pockets.by_key) <= MAX_POCKETS
    assert pockets.by_key["api:busy"] is busy and busy.tokens == 5
