"""The per-process ranking cache (ml/matching/tenant_cache.py, serving/change_listener.py, docs/adr/0022): the
cached path ranks exactly as the database path, API changes are ranked with their new values within the stated
staleness, tenants never share entries, and a listener that loses its connection empties the cache."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ml.matching import service
from ml.matching.loaders import load_candidate_records
from ml.matching.tenant_cache import TenantCache
from serving.change_listener import ChangeListener
from warehouse.db import tenant_tx
from warehouse.queries.matching import CONSULTANT


def _poll(predicate, *, within: float, step: float = 0.05) -> float:
    """Seconds until `predicate()` held; AssertionError past `within` (a bounded poll, not a sleep for timing)."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < within, f"not within {within} s"
        threading.Event().wait(step)
    return time.monotonic() - start


def _world(seed, n: int = 8) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A requirement with a client and a rate cap, Java consultants with varied rates and places, and a history of
    sent submissions at that client and by those consultants."""
    client_co = seed.company(name="Client Co", kind="client")
    req = seed.requirement(title="Senior Java Developer", description="Java, Spring Boot, AWS; 8+ years",
                           state="TX", city="Dallas", bill_rate_max=90, client_company_id=client_co)
    cons = [seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                            years_experience=3 + i, state="TX" if i % 2 else "CA", city="Dallas" if i % 2 else "LA",
                            hourly_rate=60 + 7 * i) for i in range(n)]
    now = datetime.now(UTC)
    for i, c in enumerate(cons[:5]):
        past = seed.requirement(title="Java Developer", client_company_id=client_co, status="closed")
        seed.submission(c, past, status="interviewing" if i % 2 else "rejected",
                        submitted_at=now - timedelta(days=40 + i), closed_at=None if i % 2 else now - timedelta(days=9))
    return req, cons


def _ranked(result) -> list[tuple]:
    return [(i.consultant_id, i.rank, i.match_score, i.success_probability, i.features, i.factors)
            for i in result.items]


def test_cached_ranking_equals_the_database_path_exactly(seed, tenant, app_engine):
    req, _ = _world(seed)
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    with tenant_tx(tenant, app_engine) as conn:
        plain = service.recommend(conn, "requirement_to_consultants", tenant_id=tenant, anchor_id=req, top_k=10)
        first = service.recommend(conn, "requirement_to_consultants", tenant_id=tenant, anchor_id=req, top_k=10,
                                  cache=cache)
        hits = cache.hits
        second = service.recommend(conn, "requirement_to_consultants", tenant_id=tenant, anchor_id=req, top_k=10,
                                   cache=cache)
    assert len(plain.items) >= 5
    assert cache.hits > hits and cache.size()["histories"] == 1  # the second read came from memory
    assert _ranked(first) == _ranked(plain) and _ranked(second) == _ranked(plain)
    cache.enabled = False  # the listener is down: database reads, the same ranking
    with tenant_tx(tenant, app_engine) as conn:
        off = service.recommend(conn, "requirement_to_consultants", tenant_id=tenant, anchor_id=req, top_k=10,
                                cache=cache)
    assert _ranked(off) == _ranked(plain)


def test_cached_consultant_direction_equals_the_database_path(seed, tenant, app_engine):
    _req, cons = _world(seed)
    for _ in range(3):
        seed.requirement(title="Java Developer", state="TX", city="Dallas", bill_rate_max=95)
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    with tenant_tx(tenant, app_engine) as conn:
        plain = service.recommend(conn, "consultant_to_requirements", tenant_id=tenant, anchor_id=cons[3])
        service.recommend(conn, "consultant_to_requirements", tenant_id=tenant, anchor_id=cons[3], cache=cache)
        cached = service.recommend(conn, "consultant_to_requirements", tenant_id=tenant, anchor_id=cons[3],
                                   cache=cache)
    assert len(plain.items) >= 2 and _ranked(cached) == _ranked(plain)


def _items(client, h, req) -> dict[str, dict]:
    r = client.post(f"/v1/requirements/{req}/recommendations?topK=50", json={"explain": True}, headers=h)
    assert r.status_code == 200, r.text
    return {i["consultantId"]: i for i in r.json()["items"]}


def test_api_changes_are_ranked_within_the_stated_staleness(client, app, auth, tenant, seed):
    cache: TenantCache = app.state.ranking_cache
    bound = app.state.settings.ranking_cache_max_staleness_seconds
    _poll(app.state.change_listener.connected.is_set, within=10)
    h = auth(tenant)
    req, cons = _world(seed)
    target = str(cons[2])
    before = _items(client, h, req)

    def rate(items: dict[str, dict], cid: str) -> float:
        return items[cid]["factors"]["rate"]["value"]

    was = rate(before, target)
    assert was is not None and was > 0.5  # $74 against a $90 cap
    hits = cache.hits
    _items(client, h, req)
    assert cache.hits > hits  # the candidates' records now come from memory

    # Entries kept beyond the bound here, so only the notification can bring the change within it.
    cache.max_staleness_s = 3600
    try:
        patched = client.patch(f"/v1/consultants/{target}", json={"hourlyRate": 140}, headers=h)
        assert patched.status_code == 200, patched.text
        took = _poll(lambda: rate(_items(client, h, req), target) < was, within=bound)
    finally:
        cache.max_staleness_s = bound
    print(f"update ranked with its new values after {took * 1000:.0f} ms (bound {bound} s)")

    created = client.post("/v1/consultants", json={"fullName": "New Dev", "title": "Senior Java Developer",
                                                  "city": "Dallas", "state": "TX", "hourlyRate": 70},
                          headers=h)
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    _poll(lambda: new_id in _items(client, h, req), within=bound)

    assert client.delete(f"/v1/consultants/{target}", headers=h).status_code == 204
    _poll(lambda: target not in _items(client, h, req), within=bound)


def test_tenants_never_share_cache_entries():
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    same = uuid.uuid4()
    loads: list[tuple[str, list]] = []

    def loader(tenant: str):
        def load(ids):
            loads.append((tenant, list(ids)))
            return [{"id": i, "tenant": tenant} for i in ids]
        return load

    assert cache.records("a", "consultant", [same], loader("a"))[0]["tenant"] == "a"
    assert cache.records("b", "consultant", [same], loader("b"))[0]["tenant"] == "b"
    assert cache.records("a", "consultant", [same], loader("a"))[0]["tenant"] == "a"
    assert loads == [("a", [same]), ("b", [same])]
    cache.invalidate("b", "consultant", str(same))
    assert cache.records("a", "consultant", [same], loader("a"))[0]["tenant"] == "a" and len(loads) == 2


def test_entries_older_than_the_bound_are_reloaded_and_a_read_racing_a_change_is_not_kept():
    now = [0.0]
    cache = TenantCache(max_staleness_s=30, clock=lambda: now[0])
    cache.enabled = True
    version = [1]
    cid = uuid.uuid4()

    def load(ids):
        return [{"id": i, "v": version[0]} for i in ids]

    assert cache.records("t", "consultant", [cid], load)[0]["v"] == 1
    version[0] = 2  # a change whose notification is lost
    now[0] = 29.9
    assert cache.records("t", "consultant", [cid], load)[0]["v"] == 1
    now[0] = 30.1
    assert cache.records("t", "consultant", [cid], load)[0]["v"] == 2

    def racing(ids):  # the change commits (and is announced) while this read is in flight
        rows = load(ids)
        cache.invalidate("t", "consultant_skill", str(cid))
        return rows

    version[0] = 3
    now[0] = 70.0
    assert cache.records("t", "consultant", [cid], racing)[0]["v"] == 3
    version[0] = 4
    assert cache.records("t", "consultant", [cid], load)[0]["v"] == 4  # the racing read was not stored


def test_the_cache_holds_at_most_its_bound_and_drops_the_least_recently_used_first():
    cache = TenantCache(max_staleness_s=3600, max_records=3, max_histories=2)
    cache.enabled = True
    loads: list[list[uuid.UUID]] = []

    def load(ids):
        loads.append(list(ids))
        return [{"id": i} for i in ids]

    a, b, c, d = sorted(uuid.uuid4() for _ in range(4))
    cache.records("t", "consultant", [a, b, c], load)
    cache.records("t", "consultant", [a], load)  # a is now the most recently used
    cache.records("u", "consultant", [d], load)  # over the bound: b (least recently used) goes
    assert cache.size()["records"] == 3 and len(loads) == 2
    cache.records("t", "consultant", [a, c], load)
    assert len(loads) == 2  # still held
    cache.records("t", "consultant", [b], load)
    assert loads[-1] == [b]  # evicted, so read again
    for tenant in ("t", "u", "v"):
        cache.outcome_rows(tenant, [], [], lambda: [])
    assert cache.size()["histories"] == 2


def test_listener_applies_notifications_and_a_lost_connection_empties_the_cache(seed, tenant, app_engine,
                                                                              admin_engine):
    cache = TenantCache(max_staleness_s=3600)
    stop = threading.Event()
    listener = ChangeListener(app_engine, cache, stop)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        _poll(listener.connected.is_set, within=10)
        cid = seed.consultant(hourly_rate=50)
        key = str(tenant)

        def read():
            with tenant_tx(tenant, app_engine) as conn:
                return load_candidate_records(conn, CONSULTANT, [cid], cache)[0]

        assert read()["hourly_rate"] == 50 and cache.size()["records"] == 1
        with tenant_tx(tenant, app_engine) as conn:
            conn.execute(sa.text("update crm.consultant set hourly_rate = 55 where id = :i"), {"i": cid})
        _poll(lambda: cache.size()["records"] == 0, within=5)
        assert read()["hourly_rate"] == 55
        cache.outcome_rows(key, [], [], lambda: [])
        assert cache.size() == {"records": 1, "histories": 1}

        with admin_engine.connect() as conn:
            assert conn.execute(sa.text("select pg_terminate_backend(:p)"), {"p": listener.backend_pid}).scalar()
        _poll(lambda: listener.connects == 2 and listener.connected.is_set(), within=10)
        assert cache.size() == {"records": 0, "histories": 0} and cache.enabled
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not cache.enabled
