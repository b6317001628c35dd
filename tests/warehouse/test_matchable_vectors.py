"""crm.embedding.matchable (migration 0039, docs/adr/0035): the nearest-neighbour candidate source searches a graph of
matchable vectors only, so the flag must follow its row's status and deletion, whoever writes them."""

from __future__ import annotations

import uuid

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from warehouse.db import tenant_tx
from warehouse.queries.matching import CONSULTANT, REQUIREMENT, nearest_sql
from warehouse.repositories.embeddings import as_vector

CONSULTANT_STATUSES = ("bench", "marketing", "placed", "inactive")  # the CHECK of crm.consultant.status
REQUIREMENT_STATUSES = ("open", "on_hold", "filled", "closed")


def _unit(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=384)
    return list(v / np.linalg.norm(v))


def _embed(conn: sa.Connection, tenant: uuid.UUID, kind: str, entity_id: uuid.UUID, vector: list[float]) -> None:
    conn.execute(sa.text(
        "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
        "values (:t, :k, :e, :m, 384, :v, 'h') on conflict (tenant_id, entity_type, entity_id, model) "
        "do update set vector = excluded.vector"),
        {"t": tenant, "k": kind, "e": entity_id, "m": active_model_name(), "v": as_vector(vector)})


def _flag(conn: sa.Connection, entity_id: uuid.UUID) -> bool:
    return conn.execute(sa.text("select matchable from crm.embedding where entity_id = :e"),
                        {"e": entity_id}).scalar_one()


def _consultant(conn: sa.Connection, tenant: uuid.UUID, status: str) -> uuid.UUID:
    return conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name, status) values (:t, 'A', :s) "
                                "returning id"), {"t": tenant, "s": status}).scalar_one()


def test_the_flag_is_set_from_the_rows_status_as_the_candidate_query_defines_matchable(app_engine, make_tenant):
    tenant = make_tenant()
    with tenant_tx(tenant, app_engine) as conn:  # the application role, under RLS
        for i, status in enumerate(CONSULTANT_STATUSES):
            cid = _consultant(conn, tenant, status)
            _embed(conn, tenant, "consultant", cid, _unit(i))
            assert _flag(conn, cid) is (status in CONSULTANT.statuses), status
        for i, status in enumerate(REQUIREMENT_STATUSES):
            rid = conn.execute(sa.text("insert into crm.requirement (tenant_id, title, status) values (:t, 'Java', :s) "
                                       "returning id"), {"t": tenant, "s": status}).scalar_one()
            _embed(conn, tenant, "requirement", rid, _unit(10 + i))
            assert _flag(conn, rid) is (status in REQUIREMENT.statuses), status


def test_the_flag_follows_status_changes_deletion_and_re_embedding(app_engine, admin_engine, make_tenant):
    tenant = make_tenant()
    with tenant_tx(tenant, app_engine) as conn:
        cid = _consultant(conn, tenant, "bench")
        _embed(conn, tenant, "consultant", cid, _unit(1))
        assert _flag(conn, cid) is True
        for status, expected in (("placed", False), ("marketing", True), ("inactive", False), ("bench", True)):
            conn.execute(sa.text("update crm.consultant set status = :s where id = :c"), {"s": status, "c": cid})
            assert _flag(conn, cid) is expected, status
        conn.execute(sa.text("update crm.consultant set status = 'placed' where id = :c"), {"c": cid})
        _embed(conn, tenant, "consultant", cid, _unit(2))  # a new vector for an unmatchable row stays out
        assert _flag(conn, cid) is False
        conn.execute(sa.text("update crm.consultant set status = 'bench' where id = :c"), {"c": cid})
        _embed(conn, tenant, "consultant", cid, _unit(3))
        assert _flag(conn, cid) is True
        conn.execute(sa.text("update crm.consultant set deleted_at = now() where id = :c"), {"c": cid})
        assert _flag(conn, cid) is False
        conn.execute(sa.text("update crm.consultant set deleted_at = null where id = :c"), {"c": cid})
        assert _flag(conn, cid) is True
    with admin_engine.begin() as conn:  # a hard delete (erasure) leaves no matchable vector behind
        conn.execute(sa.text("delete from crm.consultant where id = :c"), {"c": cid})
        assert _flag(conn, cid) is False


def test_nearest_neighbours_spend_no_slot_on_an_unmatchable_row(app_engine, admin_engine, make_tenant):
    """The placed consultant's vector is the anchor's own: a graph of every vector returned it first, and with
    ann_k = 1 the candidate query then had no ANN candidate at all."""
    tenant = make_tenant()
    anchor = _unit(7)
    near = list(np.array(anchor) + np.random.default_rng(8).normal(0, 0.02, 384))
    with tenant_tx(tenant, app_engine) as conn:
        placed = _consultant(conn, tenant, "placed")
        bench = _consultant(conn, tenant, "bench")
        _embed(conn, tenant, "consultant", placed, anchor)
        _embed(conn, tenant, "consultant", bench, near)
    with admin_engine.begin() as conn:
        conn.execute(sa.text("analyze crm.embedding"))
    with tenant_tx(tenant, app_engine) as conn:
        params = {"tenant": str(tenant), "model": active_model_name(), "ann_k": 1, "q": as_vector(anchor)}
        every = conn.execute(sa.text(nearest_sql(CONSULTANT, "cast(:q as vector)", matchable_only=False)),
                             params).scalars().all()
        assert every == [placed]
        conn.execute(sa.text("set local enable_seqscan = off"))
        sql = nearest_sql(CONSULTANT, "cast(:q as vector)")
        plan = "\n".join(conn.execute(sa.text("explain " + sql), params).scalars())
        assert "Order By: (vector <=>" in plan  # the matchable graph serves it
        assert conn.execute(sa.text(sql), params).scalars().all() == [bench]
