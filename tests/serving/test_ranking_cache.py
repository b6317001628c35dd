"""The per-process ranking cache (ml/matching/tenant_cache.py, serving/change_listener.py, docs/adr/0022): the
cached path ranks exactly as the database path, API changes are ranked with their new values within the stated
staleness, tenants never share entries, and a listener that loses its connection empties the cache."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ml.matching import service
from ml.matching.loaders import load_candidate_records
from ml.matching.tenant_cache import OutcomeRow, TenantCache
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


@contextmanager
def _listening(engine, cache: TenantCache) -> Iterator[ChangeListener]:
    """A change listener feeding `cache`, connected when the block starts and stopped when it ends."""
    stop = threading.Event()
    listener = ChangeListener(engine, cache, stop)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        _poll(listener.connected.is_set, within=10)
        yield listener
    finally:
        stop.set()
        thread.join(timeout=5)


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
    version[0] = 2  # a change that bypassed the triggers: no notification
    now[0] = 14.9  # every record lives at least half the bound
    assert cache.records("t", "consultant", [cid], load)[0]["v"] == 1
    now[0] = 30.1  # and never longer than the bound
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


def test_a_notification_naming_no_valid_id_forgets_the_entitys_records_of_that_tenant_only():
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    ids = [uuid.uuid4() for _ in range(3)]
    loads: list[list] = []

    def load(wanted):
        loads.append(list(wanted))
        return [{"id": i} for i in wanted]

    cache.records("a", "consultant", ids, load)
    cache.records("b", "consultant", ids, load)
    cache.invalidate("a", "consultant", "not-an-id")  # never raises into the listener
    cache.records("a", "consultant", ids, load)
    cache.records("b", "consultant", ids, load)
    assert loads == [ids, ids, ids]  # a read again; b kept
    cache.invalidate("a", "consultant", str(ids[1]))  # ids arrive as text in notifications
    assert [r["id"] for r in cache.records("a", "consultant", list(reversed(ids)), load)] == sorted(ids)
    assert loads[-1] == [ids[1]]


def test_records_read_together_are_not_read_again_together():
    """Lifetimes between half and all of the bound: a warm start's records come due over that span, so no request
    finds the whole bench expired at once (which stalled the process every bound, docs/adr/0035)."""
    now = [0.0]
    cache = TenantCache(max_staleness_s=100, clock=lambda: now[0])
    cache.enabled = True
    ids = [uuid.uuid4() for _ in range(400)]
    reloaded: list[uuid.UUID] = []

    def load(wanted):
        reloaded.extend(wanted)
        return [{"id": i} for i in wanted]

    cache.records("t", "consultant", ids, load)
    due_by_second: list[int] = []
    for second in range(1, 101):
        now[0] = float(second)
        reloaded.clear()
        cache.records("t", "consultant", ids, load)
        due_by_second.append(len(reloaded))
    assert sum(due_by_second[:49]) == 0  # nothing before half the bound
    assert sum(due_by_second) == 400 and due_by_second[-1] < 400  # all within the bound ...
    assert max(due_by_second) < 40 and sum(1 for n in due_by_second if n) >= 25  # ... spread over its second half


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
    with _listening(app_engine, cache) as listener:
        cid = seed.consultant(hourly_rate=50)
        key = str(tenant)

        def read():
            with tenant_tx(tenant, app_engine) as conn:
                return load_candidate_records(conn, CONSULTANT, [cid], cache)[0]

        # The insert's own notification may land while the first read is in flight (that read is then not kept)
        _poll(lambda: read()["hourly_rate"] == 50 and cache.size()["records"] == 1, within=5)
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
    assert not cache.enabled


def _history_read(conn) -> list:
    from ml.matching.loaders import _outcome_rows
    from warehouse.queries.matching import sent_submissions

    return _outcome_rows(sent_submissions(conn))


def test_announced_history_changes_are_patched_in_and_equal_a_whole_read(seed, tenant, app_engine, admin_engine):
    """Submissions, interviews and a requirement's client change after the history was read: the notifications'
    keys are re-read alone (no second whole read) and every pick equals what a whole read gives now."""
    from ml.matching.loaders import load_outcome_events

    cache = TenantCache(max_staleness_s=3600)
    with _listening(app_engine, cache):
        req, cons = _world(seed)
        other_client = seed.company(name="Other Co", kind="client")
        whole_reads = [0]
        key = str(tenant)

        def pick(conn, consultants, clients):
            def load_all():
                whole_reads[0] += 1
                return _history_read(conn)
            return cache.outcome_rows(key, consultants, clients, load_all, lambda keys: _keys_read(conn, keys))

        def _keys_read(conn, keys):
            from ml.matching.loaders import _outcome_rows
            from warehouse.queries.matching import sent_submissions_by_keys

            return _outcome_rows(sent_submissions_by_keys(
                conn, consultant_ids=sorted(keys.consultants), submission_ids=sorted(keys.submissions),
                requirement_ids=sorted(keys.requirements)))

        with tenant_tx(tenant, app_engine) as conn:
            client_co = conn.execute(sa.text("select client_company_id from crm.requirement where id = :r"),
                                     {"r": req}).scalar_one()
            assert len(pick(conn, [str(c) for c in cons], [])) == 5 and whole_reads[0] == 1
        # Changes of each kind a notification names: a new submission, an interview, a requirement moved to
        # another client, a submission withdrawn (soft-deleted).
        now = datetime.now(UTC)
        new_sub = seed.submission(cons[6], req, status="submitted", submitted_at=now - timedelta(days=2))
        with tenant_tx(tenant, app_engine) as conn:
            first_sub, moved_req = conn.execute(sa.text(
                "select id, requirement_id from crm.submission where consultant_id = :c"), {"c": cons[1]}).one()
            conn.execute(sa.text(
                "insert into crm.interview (tenant_id, submission_id, round, scheduled_at) "
                "values (:t, :s, 1, :at)"), {"t": tenant, "s": new_sub, "at": now - timedelta(days=1)})
            conn.execute(sa.text("update crm.requirement set client_company_id = :o where id = :r"),
                         {"o": other_client, "r": moved_req})
            conn.execute(sa.text("update crm.submission set deleted_at = now() where consultant_id = :c"),
                         {"c": cons[0]})
        def announced() -> bool:
            keys = cache._pending.get(key)
            return keys is not None and {str(cons[6]), str(cons[0])} <= keys.consultants \
                and str(new_sub) in keys.submissions and str(moved_req) in keys.requirements

        _poll(announced, within=5)
        with tenant_tx(tenant, app_engine) as conn:
            everyone = [str(c) for c in cons]
            for consultants, clients in ((everyone, []), ([], [str(client_co)]), ([], [str(other_client)]),
                                         (everyone[:3], [str(other_client)])):
                got = pick(conn, consultants, clients)
                want = [r for r in _history_read(conn) if r.consultant_id in consultants
                        or r.client_company_id in clients]
                assert got == want
            assert whole_reads[0] == 1  # patched, not read whole again
            advanced = {r.id: r.advanced for r in pick(conn, [str(cons[6])], [])}
            assert advanced == {new_sub: True} and first_sub not in {r.id for r in pick(conn, [], [str(client_co)])}
            assert load_outcome_events(conn, consultant_ids=cons, cache=cache, tenant=key).label.sum() >= 1


def test_one_thread_reads_a_history_the_others_wait_for_it_or_serve_the_held_one():
    now = [0.0]
    cache = TenantCache(max_staleness_s=30, clock=lambda: now[0])
    cache.enabled = True
    reads = [0]
    gate = threading.Event()
    row = OutcomeRow(id=uuid.uuid4(), consultant_id="c", client_company_id=None, submitted_at=1, closed_at=None,
                     first_interview=None, advanced=False)

    def load_all():
        reads[0] += 1
        gate.wait(5)
        return [row]

    got: list = []
    threads = [threading.Thread(target=lambda: got.append(cache.outcome_rows("t", ["c"], [], load_all)))
               for _ in range(8)]
    for t in threads:
        t.start()
    _poll(lambda: reads[0] == 1, within=5)
    gate.set()
    for t in threads:
        t.join(timeout=5)
    assert reads[0] == 1 and got == [[row]] * 8  # a cold start reads once, not once per request

    now[0] = 31.0  # past the bound: one thread reads it again, the others keep serving the held history
    gate.clear()
    refresher = threading.Thread(target=lambda: cache.outcome_rows("t", ["c"], [], load_all))
    refresher.start()
    _poll(lambda: reads[0] == 2, within=5)
    assert cache.outcome_rows("t", ["c"], [], load_all) == [row] and reads[0] == 2  # served without waiting
    gate.set()
    refresher.join(timeout=5)


def test_a_failed_patch_read_loses_no_announced_change():
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    rows = [OutcomeRow(id=uuid.uuid4(), consultant_id="c", client_company_id=None, submitted_at=1, closed_at=None,
                       first_interview=None, advanced=False)]
    assert cache.outcome_rows("t", ["c"], [], lambda: list(rows)) == rows
    rows.append(OutcomeRow(id=uuid.uuid4(), consultant_id="c", client_company_id=None, submitted_at=2,
                           closed_at=None, first_interview=None, advanced=True))
    cache.invalidate("t", "submission", "c")

    def broken(_keys):
        raise OSError("connection lost")

    try:
        cache.outcome_rows("t", ["c"], [], lambda: list(rows), broken)
        raise AssertionError("the failed read must raise")
    except OSError:
        pass
    assert cache.outcome_rows("t", ["c"], [], lambda: list(rows), broken) == rows  # read whole again


def test_the_skill_graph_is_read_again_only_when_a_taxonomy_change_is_announced(app_engine, admin_engine):
    from ml.matching.loaders import load_skill_graph

    cache = TenantCache(max_staleness_s=3600)
    reads: list[str] = []

    @sa.event.listens_for(app_engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, *_args) -> None:
        if "from crm.skill" in statement:
            reads.append(statement)

    name = f"bench-skill-{uuid.uuid4().hex[:8]}"
    try:
        with _listening(app_engine, cache):
            with app_engine.connect() as conn:
                first = load_skill_graph(conn, cache)
                assert reads  # the fingerprint (and the rows, the first time)
                held = len(reads)
                assert load_skill_graph(conn, cache) is first and len(reads) == held  # no statement at all
            with admin_engine.begin() as conn:
                conn.execute(sa.text("insert into crm.skill (canonical_name, category, taxonomy_version) "
                                     "values (:n, 'test', 'test')"), {"n": name})
            with app_engine.connect() as conn:
                _poll(lambda: name in load_skill_graph(conn, cache).names, within=5)
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text("delete from crm.skill where canonical_name = :n"), {"n": name})
        sa.event.remove(app_engine, "before_cursor_execute", count)


def test_a_history_past_the_bound_is_read_again_in_the_background_while_the_held_one_serves():
    now = [0.0]
    opened: list[str] = []

    @contextmanager
    def connect(tenant: str):
        opened.append(tenant)
        yield f"connection of {tenant}"

    cache = TenantCache(max_staleness_s=30, clock=lambda: now[0], connect=connect)
    cache.enabled = True

    def row(day: int) -> OutcomeRow:
        return OutcomeRow(id=uuid.UUID(int=day), consultant_id="c", client_company_id=None, submitted_at=day,
                          closed_at=None, first_interview=None, advanced=False)

    def never():
        raise AssertionError("a request must not read the whole history once one is held")

    first = [row(1)]
    assert cache.outcome_rows("t", ["c"], [], lambda: first, reread=lambda conn: first) == first
    now[0] = 31.0  # past the bound; meanwhile a submission's notification was lost
    gate = threading.Event()
    seen: list[str] = []

    def reread(conn):
        seen.append(conn)
        gate.wait(5)
        return [row(1), row(2)]

    try:
        assert cache.outcome_rows("t", ["c"], [], never, reread=reread) == first  # served at once
        assert cache.outcome_rows("t", ["c"], [], never, reread=reread) == first  # one re-read, not two
    finally:
        gate.set()
    cache.wait_idle(5)
    assert cache.outcome_rows("t", ["c"], [], never, reread=reread) == [row(1), row(2)]
    assert opened == ["t"] and seen == ["connection of t"]
    cache.close()
