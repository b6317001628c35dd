"""Tenant placement on two real embedded servers: the directory, routing, and moving a tenant between servers
(every row and vector kept, verified, resumable after a failure at any step, or rolled back)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import sqlalchemy as sa
from pgvector import Vector

from tests.two_servers import SKILLS
from warehouse.db import admin_engine, set_tenant, tenant_tx
from warehouse.placement import (
    PRIMARY,
    PlacementError,
    TenantMoving,
    create_placed_tenant,
    engine_for_tenant,
    get_router,
    parse_servers,
    resolve_slug,
    server_settings,
)
from warehouse.repositories.tenants import TenantExists
from warehouse.tenant_move import MoveFailed, abort_move, move_tenant, table_fingerprints, tenant_tables


def _slug() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


def _owner(settings, server: str) -> sa.Engine:
    return admin_engine(server_settings(settings, server))


def _fill(settings, tenant_id: uuid.UUID, *, consultants: int = 6) -> None:
    """A small but varied tenant: consultants with skills (serial skill ids) and embeddings, a requirement, a
    submission, an audit row and an outbox event (a bigserial id)."""
    rng = np.random.default_rng(7)
    with tenant_tx(tenant_id, engine_for_tenant(settings, tenant_id)) as conn:
        skills = dict(conn.execute(sa.text("select canonical_name, id from crm.skill where canonical_name = any(:n)"),
                                   {"n": list(SKILLS)}).all())
        requirement = conn.execute(sa.text(
            "insert into crm.requirement (tenant_id, title, description) values (:t, 'Java dev', 'Spring, K8s') "
            "returning id"), {"t": tenant_id}).scalar_one()
        for i in range(consultants):
            cid = conn.execute(sa.text(
                "insert into crm.consultant (tenant_id, full_name, title, resume_text, years_experience) "
                "values (:t, :n, 'Engineer', :r, :y) returning id"),
                {"t": tenant_id, "n": f"Person {i}", "r": f"Resume {i}: java python", "y": 1.5 + i}).scalar_one()
            for name in SKILLS[: 1 + i % len(SKILLS)]:
                conn.execute(sa.text("insert into crm.consultant_skill (tenant_id, consultant_id, skill_id, raw_name) "
                                     "values (:t, :c, :s, :n)"), {"t": tenant_id, "c": cid, "s": skills[name], "n": name})
            conn.execute(sa.text(
                "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
                "values (:t, 'consultant', :c, 'all-MiniLM-L6-v2', 384, :v, :h)"),
                {"t": tenant_id, "c": cid, "v": Vector(rng.standard_normal(384).astype(np.float32)), "h": f"h{i}"})
            if i == 0:
                conn.execute(sa.text("insert into crm.submission (tenant_id, consultant_id, requirement_id) "
                                     "values (:t, :c, :r)"), {"t": tenant_id, "c": cid, "r": requirement})
        conn.execute(sa.text("insert into crm.audit_log (tenant_id, action, entity) values (:t, 'create', 'x')"),
                     {"t": tenant_id})
        conn.execute(sa.text("insert into crm.outbox (tenant_id, event_type, aggregate_type, payload) "
                             "values (:t, 'consultant.created', 'consultant', '{}')"), {"t": tenant_id})


def _vectors(settings, server: str, tenant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    with _owner(settings, server).begin() as conn:
        set_tenant(conn, tenant_id)
        return dict(conn.execute(sa.text("select entity_id, vector::text from crm.embedding where tenant_id = :t"),
                                 {"t": tenant_id}).all())


def _skills_by_name(settings, server: str, tenant_id: uuid.UUID) -> list[tuple[str, str]]:
    with _owner(settings, server).begin() as conn:
        set_tenant(conn, tenant_id)
        return sorted(conn.execute(sa.text(
            "select c.full_name, s.canonical_name from crm.consultant_skill cs join crm.consultant c "
            "on c.id = cs.consultant_id join crm.skill s on s.id = cs.skill_id where cs.tenant_id = :t"),
            {"t": tenant_id}).all())


def _row_count(settings, server: str, tenant_id: uuid.UUID) -> int:
    return sum(count for count, _ in table_fingerprints(settings, server, tenant_id).values())


def test_the_server_list_is_parsed_and_bad_entries_are_named() -> None:
    assert parse_servers("primary=postgresql://a@h/db, eu=embedded") == {"primary": "postgresql://a@h/db",
                                                                           "eu": None}
    assert parse_servers(None) == {}
    for bad, words in (("eu", "not name=url"), ("EU=x", "not a server name"), ("eu=a,eu=b", "listed twice")):
        with pytest.raises(PlacementError, match=words):
            parse_servers(bad)


def test_a_tenant_is_created_on_the_server_named_and_its_rows_live_only_there(two_servers) -> None:
    on_primary = create_placed_tenant(two_servers, slug=_slug())
    eu_slug = _slug()
    on_eu = create_placed_tenant(two_servers, slug=eu_slug, server="eu")
    assert resolve_slug(two_servers, eu_slug) == (on_eu, "eu")
    router = get_router(two_servers)
    assert router.engine_for_tenant(on_eu) is router.app_engine("eu")
    assert router.engine_for_tenant(on_primary) is router.app_engine(PRIMARY)
    _fill(two_servers, on_eu, consultants=2)
    assert _row_count(two_servers, "eu", on_eu) > 2
    assert _row_count(two_servers, PRIMARY, on_eu) == 0  # not even its tenant row
    with pytest.raises(TenantExists):
        create_placed_tenant(two_servers, slug=eu_slug)
    with pytest.raises(PlacementError, match="unknown database server 'mars'"):
        create_placed_tenant(two_servers, slug=_slug(), server="mars")
    with pytest.raises(PlacementError, match="does not exist on any server"):
        resolve_slug(two_servers, "nobody-here")


def test_a_move_keeps_every_row_and_vector_and_leaves_nothing_behind(two_servers) -> None:
    slug = _slug()
    tenant_id = create_placed_tenant(two_servers, slug=slug)
    _fill(two_servers, tenant_id)
    before = table_fingerprints(two_servers, PRIMARY, tenant_id)
    vectors, skills = _vectors(two_servers, PRIMARY, tenant_id), _skills_by_name(two_servers, PRIMARY, tenant_id)

    report = move_tenant(two_servers, slug, "eu", wait_seconds=0)

    assert (report.source, report.target, report.resumed) == (PRIMARY, "eu", False)
    assert report.rows["embedding"] == 6 and report.rows["consultant_skill"] == sum(1 + i % 4 for i in range(6))
    assert table_fingerprints(two_servers, "eu", tenant_id) == before
    assert _vectors(two_servers, "eu", tenant_id) == vectors  # every vector, to the last digit
    assert _skills_by_name(two_servers, "eu", tenant_id) == skills  # ids remapped by name (they differ per server)
    assert _row_count(two_servers, PRIMARY, tenant_id) == 0
    # the vectors sit in the tenant's own partition on the target (its own HNSW graphs, ADR 0028), none is left on
    # the source, although the rows were copied and deleted with triggers off
    assert list(_vector_partitions(two_servers, "eu", tenant_id) or {}) == [f"crm_part.embedding_{tenant_id.hex}"]
    assert _vector_partitions(two_servers, PRIMARY, tenant_id) is None
    assert resolve_slug(two_servers, slug) == (tenant_id, "eu")
    assert get_router(two_servers).engine_for_tenant(tenant_id) is get_router(two_servers).app_engine("eu")
    # The target's sequences were advanced past the copied ids: a new event gets a fresh one.
    with tenant_tx(tenant_id, engine_for_tenant(two_servers, tenant_id)) as conn:
        conn.execute(sa.text("insert into crm.outbox (tenant_id, event_type, aggregate_type, payload) "
                             "values (:t, 'x', 'x', '{}')"), {"t": tenant_id})
    # And back again: the same rows on the primary.
    move_tenant(two_servers, slug, PRIMARY, wait_seconds=0)
    assert _vectors(two_servers, PRIMARY, tenant_id) == vectors
    assert _row_count(two_servers, "eu", tenant_id) == 0


def _vector_partitions(settings, server: str, tenant_id) -> dict[str, int] | None:
    """The tenant's embedding rows by the partition holding them; None when its partition does not exist."""
    with _owner(settings, server).connect() as conn:
        exists = conn.execute(sa.text("select to_regclass(:p)"), {"p": f"crm_part.embedding_{tenant_id.hex}"}).scalar()
        rows = conn.execute(sa.text("select tableoid::regclass::text, count(*) from crm.embedding "
                                    "where tenant_id = :t group by 1"), {"t": tenant_id}).all()
    return dict(rows) if exists else None


class Crash(RuntimeError):
    pass


@pytest.mark.parametrize("step", ["marked", "copied", "verified", "flipped"])
def test_a_move_that_dies_after_any_step_is_finished_by_running_it_again(two_servers, step: str) -> None:
    slug = _slug()
    tenant_id = create_placed_tenant(two_servers, slug=slug)
    _fill(two_servers, tenant_id, consultants=3)
    before = table_fingerprints(two_servers, PRIMARY, tenant_id)

    def crash(done: str) -> None:
        if done == step:
            raise Crash(done)

    with pytest.raises(Crash):
        move_tenant(two_servers, slug, "eu", wait_seconds=0, after_step=crash)
    router = get_router(two_servers)
    if step == "flipped":
        assert router.engine_for_tenant(tenant_id) is router.app_engine("eu")  # served from the target already
    else:
        with pytest.raises(TenantMoving):  # refused while half-moved, never served from a half copy
            router.engine_for_tenant(tenant_id)
        with pytest.raises(PlacementError, match="unfinished move to 'eu'"):
            move_tenant(two_servers, slug, PRIMARY, wait_seconds=0)

    report = move_tenant(two_servers, slug, "eu", wait_seconds=0)

    assert report.resumed
    assert table_fingerprints(two_servers, "eu", tenant_id) == before
    assert _row_count(two_servers, PRIMARY, tenant_id) == 0
    # the vectors sit in the tenant's own partition on the target (its own HNSW graphs, ADR 0028), none is left on
    # the source, although the rows were copied and deleted with triggers off
    assert list(_vector_partitions(two_servers, "eu", tenant_id) or {}) == [f"crm_part.embedding_{tenant_id.hex}"]
    assert _vector_partitions(two_servers, PRIMARY, tenant_id) is None
    assert resolve_slug(two_servers, slug) == (tenant_id, "eu")


def test_an_unfinished_move_can_be_aborted_and_a_bad_copy_is_rolled_back(two_servers) -> None:
    slug = _slug()
    tenant_id = create_placed_tenant(two_servers, slug=slug)
    _fill(two_servers, tenant_id, consultants=2)
    before = table_fingerprints(two_servers, PRIMARY, tenant_id)

    def crash(done: str) -> None:
        if done == "copied":
            raise Crash(done)

    with pytest.raises(Crash):
        move_tenant(two_servers, slug, "eu", wait_seconds=0, after_step=crash)
    assert _row_count(two_servers, "eu", tenant_id) > 0
    row = abort_move(two_servers, slug)
    assert (row.server, row.moving_to) == (PRIMARY, None)
    assert _row_count(two_servers, "eu", tenant_id) == 0
    assert table_fingerprints(two_servers, PRIMARY, tenant_id) == before

    def tamper(done: str) -> None:  # the copy loses a vector's last digits: verification must notice
        if done == "copied":
            with _owner(two_servers, "eu").begin() as conn:
                set_tenant(conn, tenant_id)
                conn.execute(sa.text("update crm.embedding set vector = vector + vector where id = "
                                     "(select min(id::text)::uuid from crm.embedding where tenant_id = :t)"),
                             {"t": tenant_id})

    with pytest.raises(MoveFailed, match=r"differs .* in embedding"):
        move_tenant(two_servers, slug, "eu", wait_seconds=0, after_step=tamper)
    assert resolve_slug(two_servers, slug) == (tenant_id, PRIMARY)
    assert _row_count(two_servers, "eu", tenant_id) == 0
    assert table_fingerprints(two_servers, PRIMARY, tenant_id) == before


def test_moves_refuse_bad_input(two_servers) -> None:
    slug = _slug()
    create_placed_tenant(two_servers, slug=slug)
    with pytest.raises(PlacementError, match="unknown database server 'mars'"):
        move_tenant(two_servers, slug, "mars", wait_seconds=0)
    with pytest.raises(PlacementError, match="already on server 'primary'"):
        move_tenant(two_servers, slug, PRIMARY, wait_seconds=0)
    with pytest.raises(PlacementError, match="does not exist on any server"):
        move_tenant(two_servers, "no-such-tenant", "eu", wait_seconds=0)
    with pytest.raises(PlacementError, match="no unfinished move"):
        abort_move(two_servers, slug)
    assert tenant_tables()[0] == "tenant" and "embedding" in tenant_tables()


def test_dbt_runs_on_each_server_with_that_servers_connection(two_servers) -> None:
    """The marts asset and `benchcrm marts` run the same dbt command on every other server after the primary's."""
    from warehouse.dbt_env import run_dbt_on_servers

    tenant_id = create_placed_tenant(two_servers, slug=_slug(), server="eu")
    _fill(two_servers, tenant_id, consultants=2)
    results = run_dbt_on_servers(two_servers, "run", "--select", "stg_crm__consultants")
    assert list(results) == ["eu"] and results["eu"].returncode == 0, results["eu"].stdout[-2000:]
    with _owner(two_servers, "eu").begin() as conn:
        set_tenant(conn, tenant_id)
        assert conn.execute(sa.text("select count(*) from staging.stg_crm__consultants where tenant_id = :t"),
                            {"t": tenant_id}).scalar() == 2
    with _owner(two_servers, PRIMARY).connect() as conn:  # the primary was not built by this call
        assert conn.execute(sa.text("select to_regclass('staging.stg_crm__consultants')")).scalar() is None


def test_the_application_role_sees_only_its_own_tenants_placement(two_servers) -> None:
    from sqlalchemy.exc import ProgrammingError

    mine = create_placed_tenant(two_servers, slug=_slug(), server="eu")
    create_placed_tenant(two_servers, slug=_slug(), server="eu")
    primary_app = get_router(two_servers).app_engine(PRIMARY)
    with primary_app.begin() as conn:
        set_tenant(conn, mine)
        assert conn.execute(sa.text("select server, moving_to from app.tenant_placement()")).all() == [("eu", None)]
    with primary_app.begin() as conn:  # no tenant set: nothing
        assert conn.execute(sa.text("select * from app.tenant_placement()")).all() == []
    with pytest.raises(ProgrammingError, match="permission denied"), primary_app.begin() as conn:
        conn.execute(sa.text("select * from app.tenant_placement"))


def test_the_snapshot_writer_drains_every_servers_queue(two_servers) -> None:
    """The API's write-behind loop (serving/snapshot_writer.py) passes over each placement server."""
    import threading

    from serving.snapshot_writer import run_snapshot_writer
    from warehouse.repositories.feature_snapshots import pending_row
    from warehouse.repositories.together import insert_together

    tenants = {server: create_placed_tenant(two_servers, slug=_slug(), server=server) for server in (PRIMARY, "eu")}
    router = get_router(two_servers)
    for tenant_id in tenants.values():
        with tenant_tx(tenant_id, router.engine_for_tenant(tenant_id)) as conn:
            run = conn.execute(sa.text(
                "insert into crm.match_run (tenant_id, kind, direction, anchor_id, model_version) values "
                "(:t, 'api', 'requirement_to_consultants', gen_random_uuid(), 'm') returning id"),
                {"t": tenant_id}).scalar_one()
            insert_together(conn, [pending_row(tenant_id=tenant_id, run_id=run, snapshots=[])])
    stop = threading.Event()
    stop.set()  # one pass, as at shutdown
    run_snapshot_writer(router.app_engine(PRIMARY), router.admin_engine(PRIMARY), stop, interval_seconds=0,
                        more=[(router.app_engine("eu"), router.admin_engine("eu"))])
    for server, tenant_id in tenants.items():
        with _owner(two_servers, server).connect() as conn:
            assert conn.execute(sa.text("select count(*) from crm.feature_snapshot_pending where tenant_id = :t"),
                                {"t": tenant_id}).scalar() == 0
