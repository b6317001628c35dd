"""Feature snapshots written behind the response (serving/snapshot_writer.py, docs/adr/0020): a writer killed in
the middle of a batch loses nothing and writes nothing twice; the app's writer flushes the queue at shutdown."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import sqlalchemy as sa
from fastapi.testclient import TestClient


def _recommend(c: TestClient, headers: dict, seed, runs: int) -> list[dict]:
    bodies = []
    for i in range(runs):
        req = seed.requirement(title=f"Java Developer {i}", description="Java, Spring Boot, AWS", state="TX",
                               city="Dallas")
        r = c.post(f"/v1/requirements/{req}/recommendations?topK=5", json={"explain": True}, headers=headers)
        assert r.status_code == 200, r.text
        bodies.append(r.json())
    return bodies


def _counts(admin_engine, tenant) -> tuple[int, int, int]:
    with admin_engine.connect() as conn:
        pending = conn.execute(sa.text("select count(*) from crm.feature_snapshot_pending where tenant_id = :t"),
                               {"t": tenant}).scalar_one()
        snapshots, distinct = conn.execute(sa.text(
            "select count(*), count(distinct recommendation_id) from crm.feature_snapshot where tenant_id = :t"),
            {"t": tenant}).one()
    return pending, snapshots, distinct


def test_a_writer_killed_mid_batch_loses_no_snapshot_and_the_replay_writes_each_once(
        client, auth, tenant, seed, admin_engine, app_engine, data_dir):
    for i in range(6):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                        years_experience=5 + i, state="TX", city="Dallas")
    bodies = _recommend(client, auth(tenant), seed, runs=3)
    items = sum(len(b["items"]) for b in bodies)
    assert items >= 3 and _counts(admin_engine, tenant) == (3, 0, 0)

    # A real process runs the writer's batch statement, then dies before its commit (SIGKILL-like exit).
    code = textwrap.dedent(f"""
        import os, sys
        from warehouse.db import app_engine, set_tenant
        from warehouse.repositories.feature_snapshots import drain_pending
        conn = app_engine().connect()
        conn.begin()
        set_tenant(conn, "{tenant}")
        print(*drain_pending(conn, limit=10), flush=True)
        os._exit(9)
    """)
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(data_dir), "PYTHONPATH": os.getcwd()}
    killed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr[-2000:]
    assert killed.stdout.split() == ["3", str(items)]  # it had moved the whole batch in its transaction
    assert _counts(admin_engine, tenant) == (3, 0, 0)   # and none of it counts: all still queued

    from serving.snapshot_writer import drain_all

    drain_all(app_engine, admin_engine, batch_runs=2)  # two batches for three runs
    assert _counts(admin_engine, tenant) == (0, items, items)
    drain_all(app_engine, admin_engine)
    assert _counts(admin_engine, tenant) == (0, items, items)
    with admin_engine.connect() as conn:
        features = conn.execute(sa.text(
            "select f.features->>'consultant_id', r.consultant_id::text from crm.feature_snapshot f "
            "join crm.recommendation r on r.id = f.recommendation_id where f.tenant_id = :t"), {"t": tenant}).all()
    assert features and all(a == b for a, b in features)


def test_the_app_writer_flushes_the_queue_when_the_app_stops(api_settings, app_engine, admin_engine, auth, tenant,
                                                             seed):
    from serving.main import create_app

    for i in range(3):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                        state="TX", city="Dallas")
    app = create_app(api_settings, engine=app_engine, load_model=False, start_snapshot_writer=True)
    with TestClient(app) as c:
        bodies = _recommend(c, auth(tenant), seed, runs=2)
        decided = c.post(f"/v1/recommendations/{bodies[0]['items'][0]['id']}/decision",
                         json={"decision": "reject", "reason": "not now"}, headers=auth(tenant))
        assert decided.status_code in (200, 201), decided.text  # the row is there the moment the response is
    items = sum(len(b["items"]) for b in bodies)
    assert _counts(admin_engine, tenant) == (0, items, items)


def test_a_recommendation_erased_while_queued_takes_its_snapshot_with_it(client, auth, tenant, seed, admin_engine,
                                                                         app_engine):
    for i in range(4):
        seed.consultant(full_name=f"Dev {i}", title="Java Developer", summary="Java Spring Boot AWS",
                        years_experience=5 + i, state="TX", city="Dallas")
    bodies = _recommend(client, auth(tenant), seed, runs=2)
    items = sum(len(b["items"]) for b in bodies)
    erased = bodies[0]["items"][0]["id"]
    with admin_engine.begin() as conn:
        conn.execute(sa.text("delete from crm.recommendation where id = :r"), {"r": erased})

    from serving.snapshot_writer import drain_all

    assert drain_all(app_engine, admin_engine) == items - 1
    assert _counts(admin_engine, tenant) == (0, items - 1, items - 1)
    with admin_engine.connect() as conn:
        assert not conn.execute(sa.text("select 1 from crm.feature_snapshot where recommendation_id = :r"),
                                {"r": erased}).all()
